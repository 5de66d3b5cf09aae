/**
 * Restore that notices, on real Python (subprocess runtime): `random` is seeded per agent and
 * cell, so a rebuilt REPL draws the same numbers and the fork goes on; a cell that read the
 * clock binds another value when re-run, and the rebuild ends the agent with `restore_diverged`
 * naming the agent, cell and variable (on main before, it went on with the other value in
 * silence). Fingerprints are recorded per cell (`Cell.bound`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, isFinished, ScriptedLLM, type RunState } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const repl = (code: string) => '```repl\n' + code + '\n```';
const runtime = new SubprocessRuntime({ interruptGraceMs: 1000 });
afterAll(() => runtime.close());

async function statesOf(engine: Engine, s: RunState): Promise<RunState[]> {
  const states = [s];
  while (!isFinished(states.at(-1)!)) states.push(await engine.step(states.at(-1)!));
  return states;
}

describe('restore that notices', () => {
  it('seeded random replays; a clock value makes the rebuild end with restore_diverged naming agent, cell and variable', async () => {
    const llm = new ScriptedLLM({
      rules: [
        {
          match: '^Query: rand',
          replies: [repl('import random\nr = random.random()\nitems = sorted({"b", "a", "c"})'), repl('done([r, items])')],
        },
        {
          match: '^Query: clock',
          replies: [repl('import time\nt = time.time_ns()\nn = 7'), repl('done(n)')],
        },
      ],
    });
    const live = new Engine({ llm, runtime });
    const rand = await statesOf(live, live.init('rand', 'ctx'));
    const clock = await statesOf(live, live.init('clock', 'ctx'));
    await live.close();
    const root = (s: RunState) => s.nodes.root!;
    expect(root(rand.at(-1)!).error).toBeNull();
    const bound = root(rand.at(-1)!).cells[0]!.bound!;
    expect(bound.map((b) => b.name).sort()).toEqual(['items', 'r', 'random']);
    expect(bound.find((b) => b.name === 'r')).toMatchObject({ type: 'float', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // Fork each run at the state after its first cell with a fresh engine: its REPL is rebuilt.
    const after = (states: RunState[]) => states.find((s) => root(s).cells.length === 1 && root(s).status === 'READY')!;
    const fork = new Engine({ llm, runtime });
    const randFork = await fork.runFrom(after(rand));
    const clockFork = await fork.runFrom(after(clock));
    await fork.close();
    expect(root(randFork).error).toBeNull();
    expect(root(randFork).result).toEqual(root(rand.at(-1)!).result);
    expect(root(clockFork).error?.kind).toBe('restore_diverged');
    expect(root(clockFork).error?.message).toMatch(/^restore diverged: agent root, cell 0, variable t: recorded int [0-9a-f]{12} \(\d+\), rebuilt int [0-9a-f]{12} \(\d+\)$/);
  });
});
