/**
 * Fork, rewind and resume with the REPL state restored, against real Python (SubprocessRuntime):
 * a state at step k stepped again (in the same engine or a fresh one, as after a crash) rebuilds
 * its agents' REPLs from the record, with no model call, and the original branch is untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Engine,
  ScriptedLLM,
  cancelAgent,
  injectMessage,
  isFinished,
  rewind,
  type CompletionRequest,
  type RunState,
} from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const repl = (code: string) => '```repl\n' + code + '\n```';

/** Replies by the agent's query (`Query: <name>`) and turn; sub-calls by their prompt. */
function policy(byQuery: Record<string, string[]>, sub: Record<string, string> = {}) {
  const llm = new ScriptedLLM((req: CompletionRequest, { turn }) => {
    const first = req.messages.find((m) => m.role === 'user')!.content;
    if (req.messages.length === 1) {
      const reply = sub[first];
      if (reply === undefined) throw new Error(`unexpected sub-call ${JSON.stringify(first)}`);
      return reply;
    }
    const name = /^Query: (.*)/.exec(first)![1]!;
    const reply = byQuery[name]?.[turn];
    if (reply === undefined) throw new Error(`no reply for ${name} turn ${turn}`);
    return reply;
  });
  return llm;
}

let runtime: SubprocessRuntime;
beforeAll(() => {
  runtime = new SubprocessRuntime({ interruptGraceMs: 1000 });
});
afterAll(async () => {
  await runtime.close();
});

async function runAll(engine: Engine, state: RunState): Promise<RunState[]> {
  const states = [state];
  while (!isFinished(states.at(-1)!)) states.push(await engine.step(states.at(-1)!));
  return states;
}

/** A state with every wall-time field zeroed, to compare two runs of the same steps. */
function timeless(state: RunState): unknown {
  return { ...state, elapsedMs: 0 };
}

const ROOT_VARS = [
  repl('secret = 41\nsummary = llm_query("summarize the context")\nnotes = [len(CONTEXT), summary]'),
  repl('secret += 1\nprint(secret)'),
  repl('done({"secret": secret, "notes": notes})'),
];

describe('fork restores REPL variables (real python3)', () => {
  it('a fork continues with other replies and sees the variables; the original branch is unchanged; no model call rebuilds the REPL', async () => {
    const original = policy({ root: ROOT_VARS }, { 'summarize the context': 'a short text' });
    const engine = new Engine({ llm: original, runtime });
    const s0 = engine.init('root', 'hello world');
    const states = [s0];
    // Two model replies and two cells: the root is READY at step 4 with secret=42 in its REPL.
    for (let i = 0; i < 4; i++) states.push(await engine.step(states.at(-1)!));
    const k = 4;
    expect(states[k]!.nodes.root!.status).toBe('READY');
    expect(original.callCount).toBe(3); // 2 replies + 1 sub-call

    // The fork, in the SAME engine (whose live REPL is at step 4), changes the variable.
    const forkLlm = policy({ root: [ROOT_VARS[0]!, ROOT_VARS[1]!, repl('secret = 1000\nprint(secret)'), repl('done({"secret": secret, "notes": notes})')] });
    const forkEngine = engine; // same REPL map: proves branches are told apart
    const swap = new Engine({ llm: forkLlm, runtime });
    // Stepping the same state object in another engine forces a rebuild (a fresh process, as after a crash).
    const fork = await runAll(swap, rewind(states, k));
    expect(fork.at(-1)!.nodes.root!.result).toEqual({ secret: 1000, notes: [11, 'a short text'] });
    // Only the fork's two new turns reached the model; the rebuild answered llm_query from the record.
    expect(forkLlm.callCount).toBe(2);

    // Now step the fork's own step-5 state in the original engine, then the original branch:
    // each must get its own REPL back.
    const forkAt6 = await forkEngine.step(fork[1]!); // runs `secret = 1000` again here
    expect(forkAt6.nodes.root!.cells.at(-1)!.output).toContain('1000');
    const callsBefore = original.callCount;
    const rest = await runAll(engine, states[k]!);
    expect(rest.at(-1)!.nodes.root!.result).toEqual({ secret: 42, notes: [11, 'a short text'] });
    expect(original.callCount - callsBefore).toBe(1); // just the final reply
    expect(states[k]!.nodes.root!.cells).toHaveLength(2); // the old value was not touched
    await swap.close();
    await engine.close();
  });

  it('a SUPERVISING agent forked while its children run comes back suspended at the same wait', async () => {
    const root = [repl('base = 10\nhs = [delegate(f"c{i}", f"child {i}") for i in range(2)]\nres = yield wait(*hs)\ndone(sum(res) + base)')];
    const child = (last: string) => [repl('mine = 5\nprint("mine", mine)'), repl(last)];
    const original = policy({ root, 'child 0': child('done(mine * 2)'), 'child 1': child('done(mine * 2)') });
    const engine = new Engine({ llm: original, runtime });
    const states = [engine.init('root', 'ctx')];
    // step 1 root reply, 2 root cell (delegates, suspends), 3 children replies, 4 children cells.
    for (let i = 0; i < 4; i++) states.push(await engine.step(states.at(-1)!));
    const k = 4;
    const at = states[k]!;
    expect(at.nodes.root!.status).toBe('SUPERVISING');
    expect(at.nodes['root.c0']!.status).toBe('READY');

    const forkLlm = policy({ root, 'child 0': child('done(mine * 3)'), 'child 1': child('done(mine * 3)') });
    const forkEngine = new Engine({ llm: forkLlm, runtime });
    const fork = await runAll(forkEngine, at);
    // Children rebuilt with `mine`, root rebuilt suspended with `base`, resumed with 15 + 15.
    expect(fork.at(-1)!.nodes.root!.result).toBe(40);
    expect(forkLlm.callCount).toBe(2); // the two children's last turns only

    const rest = await runAll(engine, at);
    expect(rest.at(-1)!.nodes.root!.result).toBe(30);
    await forkEngine.close();
    await engine.close();
  });

  it('rewind then step again with the same replies gives the same states', async () => {
    const rules = { root: [repl('xs = [1, 2, 3]'), repl('hs = [delegate("a", "child a")]\nr = yield wait(*hs)\nxs.append(r[0])'), repl('done(sum(xs))')], 'child a': [repl('done(len(CONTEXT))')] };
    const engine = new Engine({ llm: policy(rules), runtime });
    const first = await runAll(engine, engine.init('root', 'abcd'));
    expect(first.at(-1)!.nodes.root!.result).toBe(10);
    for (const k of [1, 3, 5]) {
      const again = await runAll(new Engine({ llm: policy(rules), runtime }), rewind(first, k));
      expect(again.map(timeless)).toEqual(first.slice(k).map(timeless));
    }
    await engine.close();
  });

  it('interventions: a cancelled child reaches its parent as a structured failure; an injected message reaches the model', async () => {
    const root = [repl('hs = [delegate("slow", "child slow")]\nres = yield wait(*hs)\ndone({"ok": bool(res[0]), "kind": res[0].kind})')];
    const engine = new Engine({ llm: policy({ root, 'child slow': [repl('print(1)'), repl('done(1)')] }), runtime });
    let s = engine.init('root', 'ctx');
    for (let i = 0; i < 3; i++) s = await engine.step(s); // root suspended, child replied once
    const cancelled = cancelAgent(s, 'root.slow', 'too slow');
    expect(s.nodes['root.slow']!.status).not.toBe('FINISHED'); // input untouched
    const end = await runAll(engine, cancelled);
    expect(end.at(-1)!.nodes.root!.result).toEqual({ ok: false, kind: 'cancelled' });

    const seen: string[] = [];
    const llm = new ScriptedLLM((req) => {
      seen.push(req.messages.at(-1)!.content);
      return repl('done(1)');
    });
    const e2 = new Engine({ llm, runtime });
    await e2.step(injectMessage(e2.init('root', 'ctx'), 'root', 'Be brief.'));
    expect(seen).toEqual(['Be brief.']);
    await engine.close();
    await e2.close();
  });

  it('rebuilds in another process even when the code iterates over a set of str (fixed hash seed)', async () => {
    const code = repl('hs = [delegate(n, "child") for n in {"alpha", "beta", "gamma", "delta", "eps", "zeta"}]\nr = yield wait(*hs)\ndone(len(r))');
    const llm = policy({ root: [code], child: [repl('done(1)')] });
    for (let i = 0; i < 3; i++) {
      const [r1, r2] = [new SubprocessRuntime({ poolSize: 0 }), new SubprocessRuntime({ poolSize: 0 })];
      const e1 = new Engine({ llm, runtime: r1 });
      let s = e1.init('root', 'ctx');
      for (let j = 0; j < 2; j++) s = await e1.step(s); // root suspended at its wait
      const e2 = new Engine({ llm, runtime: r2 });
      const end = await runAll(e2, s);
      expect(end.at(-1)!.nodes.root!.error).toBeNull();
      expect(end.at(-1)!.nodes.root!.result).toBe(6);
      await Promise.all([e1.close(), e2.close()]);
      await Promise.all([r1.close(), r2.close()]);
    }
  });

  it('a REPL whose recorded cell asks for another host call on rebuild fails with replay_diverged naming agent, cell and call', async () => {
    const llm = new ScriptedLLM((req) => {
      if (req.messages.length === 1) return 'ok';
      const turn = req.messages.filter((m) => m.role === 'assistant').length;
      return [repl('import time\nanswer = llm_query(f"t={time.time_ns()}")'), repl('done(answer)')][turn]!;
    });
    const engine = new Engine({ llm, runtime });
    let s = engine.init('root', 'ctx');
    for (let i = 0; i < 3; i++) s = await engine.step(s); // reply, cell, reply: READY -> EXECUTING
    const fresh = new Engine({ llm, runtime });
    const next = await fresh.step(s);
    const root = next.nodes.root!;
    expect(root.status).toBe('FINISHED');
    expect(root.error?.kind).toBe('replay_diverged');
    expect(root.error?.message).toMatch(/replay diverged: agent root, cell 0: call 0 is llm_query\(.*t=\d+/);
    await engine.close();
    await fresh.close();
  });
});
