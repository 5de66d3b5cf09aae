/**
 * A session is one immutable value: fork it at the end of a turn and send each branch a different
 * next turn (both answer, neither changes the other, the fork's REPL is rebuilt with no model
 * call); rewind to an earlier turn and go on; its trace file replays to the same states; a
 * cancelled turn rolls the session (and its trace) back and the next turn works.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrace, replay, ScriptedLLM, Session, SessionBusyError, TurnCancelledError, type CompletionRequest } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { z } from 'zod';
import { turnOf } from './shakespeare-session.ts';

const block = (code: string) => '```repl\n' + code + '\n```';
const runtime = new SubprocessRuntime({ interruptGraceMs: 500 });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rlmtree-sessions-'));
});
afterAll(async () => {
  await runtime.close();
  await rm(dir, { recursive: true, force: true });
});

/** Replies keyed by a word of the current turn's query; counts the calls. */
function model(replies: Record<string, string[]>) {
  const calls: string[] = [];
  const llm = new ScriptedLLM((request: CompletionRequest) => {
    const { replies: given } = turnOf(request);
    const opening = request.messages.findLast((m) => m.role === 'user' && /Query: /.test(m.content))!.content;
    const key = Object.keys(replies).find((k) => opening.includes(k));
    calls.push(key ?? '?');
    const reply = key ? replies[key]![given] : undefined;
    if (!reply) throw new Error(`no reply for ${opening.slice(0, 80)} / ${given}`);
    return reply;
  });
  return { llm, calls };
}

const SCRIPT = {
  start: [block('xs = [int(w) for w in CONTEXT.split()]\ndone(len(xs))')],
  sum: [block('total = sum(xs)\ndone(total)')],
  double: [block('done(total * 2)')],
  halve: [block('done(total / 2)')],
  slow: [block('import time\nxs.append(1000)\ntime.sleep(30)\ndone("never")')],
  count: [block('done([len(xs), len(CONTEXTS), ANSWERS])')],
  typed: [block('done("not an object")'), block('done({"n": len(xs)})')],
};

describe('fork, rewind, trace replay and cancel of a session', () => {
  it('forks at the end of turn 1: each branch answers its own turn 2, the fork rebuilds its REPL without a model call', async () => {
    const { llm, calls } = model(SCRIPT);
    const session = Session.create({ llm, runtime, trace: join(dir, 'a.jsonl') });
    expect((await session.send('start', { context: '1 2 3 4' })).result).toBe(4);
    expect((await session.send('sum')).result).toBe(10);
    const fork = session.fork({ turn: 1 }, { trace: join(dir, 'b.jsonl') });
    expect(fork.state!.runId).not.toBe(session.state!.runId);
    const before = calls.length;
    const [a, b] = await Promise.all([session.send('double'), fork.send('halve')]);
    expect([a.result, b.result]).toEqual([20, 5]);
    // One model call per branch: rebuilding the fork's REPL (re-running `xs = ...`, `total = ...`) asked none.
    expect(calls.slice(before).sort()).toEqual(['double', 'halve']);
    expect(session.turns.map((t) => t.query)).toEqual(['start', 'sum', 'double']);
    expect(fork.turns.map((t) => t.query)).toEqual(['start', 'sum', 'halve']);

    // Each trace file replays to its own session's states, turn events included.
    for (const [s, file] of [[session, 'a.jsonl'], [fork, 'b.jsonl']] as const) {
      const states = replay(await readTrace(join(dir, file)));
      expect(states.at(-1)).toEqual(s.state);
      expect(states.length).toBe(s.states.length);
    }

    // Rewind to the end of turn 0 and go on: `total` from turn 1 is gone, xs is there.
    await session.rewind({ turn: 0 });
    expect(session.turns.length).toBe(1);
    const again = await session.send('count', { context: '5 6' });
    expect(again.result).toEqual([4, 2, [4]]);
    expect(replay(await readTrace(join(dir, 'a.jsonl'))).at(-1)).toEqual(session.state);
    await Promise.all([session.close(), fork.close()]);
  });

  it('cancels a running turn: the session and its trace go back to before it, a second send meanwhile is refused, the next turn works', async () => {
    const { llm } = model(SCRIPT);
    const path = join(dir, 'c.jsonl');
    const session = Session.create({ llm, runtime, trace: path });
    await session.send('start', { context: '1 2 3' });
    const before = session.state!;
    const traceBefore = await readFile(path, 'utf8');
    const controller = new AbortController();
    const running = session.send('slow', { signal: controller.signal });
    await expect(session.send('sum')).rejects.toBeInstanceOf(SessionBusyError);
    await new Promise((r) => setTimeout(r, 600));
    controller.abort();
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnCancelledError);
    expect(session.state).toBe(before);
    expect(session.turns.length).toBe(1);
    expect(await readFile(path, 'utf8')).toBe(traceBefore);
    // The REPL is rebuilt from the record: the cancelled turn's xs.append(1000) is not in it.
    const next = await session.send('count');
    expect(next.result).toEqual([3, 2, [3]]);
    expect(replay(await readTrace(path)).at(-1)).toEqual(session.state);
    await session.close();
  });

  it('types a turn with `result`: a done() value that does not match is refused back to the model', async () => {
    const { llm, calls } = model(SCRIPT);
    const session = Session.create({ llm, runtime });
    await session.send('start', { context: '1 2' });
    const typed = await session.send('typed', { result: z.object({ n: z.number() }) });
    expect(typed.result.n).toBe(2);
    expect(calls.filter((c) => c === 'typed')).toHaveLength(2);
    expect(session.turns[1]!.resultSchema).toMatchObject({ type: 'object' });
    await session.close();
  });
});
