/** The main-job example run (scripted policy, real python3 REPLs), recorded step by step for the viewer tests. */
import { readFile } from 'node:fs/promises';
import { Engine, ScriptedLLM, type RunEvent, type RunState, type Script } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

/** The main job's query (as in `npm run demo`). */
export const MAIN_QUERY = 'Which speaker has the most speeches in this text, and how many?';

/** Runs the main job; returns every state (`states[0]` the initial one) and each step's events. */
export async function recordMainJob(): Promise<{ states: RunState[]; events: RunEvent[][] }> {
  const root = new URL('../../', import.meta.url);
  const context = await readFile(new URL('examples/data/tinyshakespeare.txt', root), 'utf8');
  const policy = (await import(new URL('examples/speakers/policy.mjs', root).href)).default as Script;
  const runtime = new SubprocessRuntime();
  const engine = new Engine({ llm: new ScriptedLLM(policy, { name: 'scripted:policy.mjs' }), runtime, tracer: false });
  const states: RunState[] = [engine.init(MAIN_QUERY, context)];
  const events: RunEvent[][] = [];
  try {
    await engine.runFrom(states[0]!, {
      onStep: (s) => {
        states.push(s.state);
        events.push(s.events);
      },
    });
  } finally {
    await engine.close();
    await runtime.close();
  }
  return { states, events };
}
