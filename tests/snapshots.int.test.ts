/**
 * Live REPL snapshots (issue 18) against real python3 (SubprocessRuntime, fork server): a fork or
 * rewind that finds a snapshot opens a copy of the live REPL instead of re-running the agent's
 * cells, and gives the same states and the same REPL variables as the rebuild from the record.
 * "Not re-run" is observed through a side effect: the root's first cell appends a line to a file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, isFinished, ReplSnapshots, ScriptedLLM, Session, type CompletionRequest, type RunState } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { turnOf } from './sessions/shakespeare-session.ts';

const repl = (code: string) => '```repl\n' + code + '\n```';
let runtime: SubprocessRuntime;
let dir: string;
beforeAll(async () => {
  runtime = new SubprocessRuntime({ interruptGraceMs: 500 });
  dir = await mkdtemp(join(tmpdir(), 'rlmtree-snapshots-'));
});
afterAll(async () => {
  await runtime.close();
  await rm(dir, { recursive: true, force: true });
});

/** Replies by the agent's query (`Query: <name>`) and turn. */
function policy(byQuery: Record<string, string[]>) {
  return new ScriptedLLM((req: CompletionRequest, { turn }) => {
    const first = req.messages.find((m) => m.role === 'user')!.content;
    const name = /^Query: (.*)/.exec(first)![1]!;
    const reply = byQuery[name]?.[turn];
    if (reply === undefined) throw new Error(`no reply for ${name} turn ${turn}`);
    return reply;
  });
}

async function runAll(engine: Engine, state: RunState): Promise<RunState[]> {
  const states = [state];
  while (!isFinished(states.at(-1)!)) states.push(await engine.step(states.at(-1)!));
  return states;
}

/** A state with its wall-time fields zeroed, to compare two runs of the same steps. */
const timeless = (state: RunState) => ({ ...state, elapsedMs: 0 });
const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean).length;
/** The root's last cell: every variable it made, by name, as repr (the REPL's state, compared across paths). */
const DUMP = 'done({k: repr(globals()[k]) for k in sorted(SHOW_VARS())})';

describe('live snapshots (real python3)', () => {
  it('a fork of a SUPERVISING agent opens its snapshot: same states and variables as the rebuild, no cell re-run', async () => {
    const marks = join(dir, 'fork-marks.txt');
    const root = [
      repl(`open(${JSON.stringify(marks)}, "a").write("ran\\n")\nimport math\nbase = [math.floor(2.5), {"k": (1, 2)}]\nhs = [delegate("c", "child")]\nres = yield wait(*hs)\nbase.append(res[0])`),
      repl(DUMP),
    ];
    const rules = { root, child: [repl('done(7)')] };
    const snapshots = new ReplSnapshots();
    const engine = new Engine({ llm: policy(rules), runtime, snapshots });
    const states = [engine.init('root', 'ctx')];
    for (let i = 0; i < 2; i++) states.push(await engine.step(states.at(-1)!));
    const at = states[2]!;
    expect(at.nodes.root!.status).toBe('SUPERVISING');
    expect(snapshots.stats().held).toBe(1); // taken when the root suspended
    const original = await runAll(engine, at);
    expect(await lines(marks)).toBe(1);

    // The fork in a fresh engine sharing the snapshots: the root's REPL is a copy, not a re-run.
    const forked = await runAll(new Engine({ llm: policy(rules), runtime, snapshots }), at);
    expect(await lines(marks)).toBe(1);
    expect(snapshots.stats().opened).toBe(1);
    // The rebuild path (no snapshots) re-runs the first cell: the mark is written again.
    const rebuilt = await runAll(new Engine({ llm: policy(rules), runtime }), at);
    expect(await lines(marks)).toBe(2);

    const vars = { base: "[2, {'k': (1, 2)}, 7]", hs: "[AgentHandle('root.c')]", res: '[7]', math: expect.stringContaining("<module 'math'") };
    for (const run of [original, forked, rebuilt]) expect(run.at(-1)!.nodes.root!.result).toEqual(vars);
    expect(forked.map(timeless)).toEqual(rebuilt.map(timeless));
    expect(forked.map(timeless)).toEqual(original.map(timeless));
    await snapshots.close();
    await engine.close();
  });

  it('stepping an older state again in the same engine opens the snapshot taken there', async () => {
    const marks = join(dir, 'same-engine-marks.txt');
    const root = [repl(`open(${JSON.stringify(marks)}, "a").write("ran\\n")\nn = 1\nhs = [delegate("c", "child")]\nres = yield wait(*hs)\nn += res[0]`), repl('n *= 10'), repl('done(n)')];
    const snapshots = new ReplSnapshots();
    const engine = new Engine({ llm: policy({ root, child: [repl('done(4)')] }), runtime, snapshots });
    const first = await runAll(engine, engine.init('root', 'ctx'));
    expect(first.at(-1)!.nodes.root!.result).toBe(50);
    const k = first.findIndex((s) => s.nodes.root!.status === 'SUPERVISING');
    const again = await runAll(engine, first[k]!);
    expect(again.map(timeless)).toEqual(first.slice(k).map(timeless));
    expect(await lines(marks)).toBe(1);
    await snapshots.close();
    await engine.close();
  });

  it('a session rewound to an earlier turn opens that turn-end snapshot; same answers and variables as the rebuild', async () => {
    const marks = join(dir, 'session-marks.txt');
    const run = async (snapshots: ReplSnapshots | undefined) => {
      await rm(marks, { force: true });
      const rules = {
        start: [repl(`open(${JSON.stringify(marks)}, "a").write("ran\\n")\nxs = [int(w) for w in CONTEXT.split()]\ndone(len(xs))`)],
        sum: [repl('total = sum(xs)\ndone(total)')],
        count: [repl('done([len(xs), "total" in globals(), len(CONTEXTS), ANSWERS])')],
      };
      const llm = new ScriptedLLM((req: CompletionRequest) => {
        const opening = req.messages.findLast((m) => m.role === 'user' && /Query: /.test(m.content))!.content;
        const key = (Object.keys(rules) as (keyof typeof rules)[]).find((k) => opening.includes(k))!;
        return rules[key][turnOf(req).replies]!;
      });
      const session = Session.create({ llm, runtime, runId: 'run', ...(snapshots ? { snapshots } : {}) });
      await session.send('start', { context: '1 2 3 4' });
      await session.send('sum');
      await session.rewind({ turn: 0 });
      const answer = (await session.send('count', { context: '5 6' })).result;
      const fork = session.fork({ turn: 0 }, { runId: 'fork' });
      const forked = (await fork.send('sum')).result;
      await fork.close();
      await session.close();
      return { answer, forked, states: session.states.map(timeless), runs: await lines(marks) };
    };
    const snapshots = new ReplSnapshots();
    const live = await run(snapshots);
    const stats = snapshots.stats();
    await snapshots.close();
    const rebuilt = await run(undefined);
    expect(live.answer).toEqual([4, false, 2, [4]]);
    expect(live.forked).toBe(10);
    expect({ ...live, runs: 0 }).toEqual({ ...rebuilt, runs: 0 });
    expect(live.runs).toBe(1); // rewind and fork both opened copies
    expect(rebuilt.runs).toBe(3); // each rebuilt the REPL by re-running turn 0's cell
    expect(stats.opened).toBe(2);
  });

  it('keeps at most keepPerAgent snapshots per agent, and none under a zero byte bound', async () => {
    const root = [repl('i = 0\nfor name in ["a", "b", "c"]:\n    r = yield wait(delegate(name, "child"))\n    i += 1\ndone(i)')];
    for (const [options, held] of [[{ keepPerAgent: 1 }, 1], [{ maxBytes: 0 }, 0]] as const) {
      const snapshots = new ReplSnapshots(options);
      const engine = new Engine({ llm: policy({ root, child: [repl('done(1)')] }), runtime, snapshots });
      const end = await runAll(engine, engine.init('root', 'ctx'));
      expect(end.at(-1)!.nodes.root!.result).toBe(3);
      const stats = snapshots.stats();
      expect(stats.taken).toBe(3);
      expect(stats.held).toBe(held);
      expect(stats.evicted).toBe(3 - held);
      await snapshots.close();
      await engine.close();
    }
  });
});
