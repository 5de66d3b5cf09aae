/**
 * A run state with `agents` agents of which exactly one is runnable (issue 18: "a one-agent step
 * at 5,001 agents within 2x of the same step at 101"): the root delegated `agents - 1` children
 * and waits for them; all but the last have finished (a model reply and a `done()` cell each);
 * the last is READY. Folded by the real reducer from hand-written events, like an engine's run.
 */
import { createRun, reduceAll, type RunEvent, type RunState, type Usage } from '@rlmtree/core';

const block = (code: string) => '```repl\n' + code + '\n```';
const usage: Usage = { inputTokens: 900, outputTokens: 40, cachedTokens: 0, costUsd: 0.0033, llmCalls: 1 };

/** Child ids of `wideTree(agents)`, in delegation order. */
export function childIds(agents: number): string[] {
  return Array.from({ length: agents - 1 }, (_, i) => `root.c${i}`);
}

/** The state described in the file comment; `runnable` is the READY child's id. */
export function wideTree(agents: number): { state: RunState; runnable: string } {
  const ids = childIds(agents);
  let state = createRun('Count the names in every part.', 'corpus line\n'.repeat(200), { runId: `wide-${agents}`, limits: { maxIterations: 50 } });
  state = reduceAll(state, [
    { type: 'llm_replied', agentId: 'root', text: block('hs = [delegate(f"c{i}", "part") for i in range(N)]\nres = yield wait(*hs)'), usage },
    {
      type: 'cell_ran',
      agentId: 'root',
      resumed: false,
      calls: ids.map((id) => ({ name: 'delegate', args: { name: id.slice(5) }, answer: { ok: true, value: id } })),
      output: '',
      outputChars: 0,
      delegated: ids.map((id, i) => ({ id, name: id.slice(5), query: `part ${i}`, context: `part ${i}\n`.repeat(20) })),
      outcome: { status: 'suspended', awaiting: ids },
    },
    { type: 'step_ended', durationMs: 1 },
  ]);
  const finished = ids.slice(0, -1);
  const events: RunEvent[] = [];
  for (const id of finished) events.push({ type: 'llm_replied', agentId: id, text: block('done(1)'), usage });
  for (const id of finished) events.push({ type: 'cell_ran', agentId: id, resumed: false, calls: [], output: '', outputChars: 0, delegated: [], outcome: { status: 'done', result: 1 } });
  events.push({ type: 'step_ended', durationMs: 1 });
  state = reduceAll(state, events);
  return { state, runnable: ids.at(-1)! };
}

/** The events of the runnable agent's next step: its model reply (code) and the step's end. */
export function oneAgentStep(runnable: string): RunEvent[] {
  return [
    { type: 'llm_replied', agentId: runnable, text: block('rows = CONTEXT.split("\\n")\nprint(len(rows))'), usage },
    { type: 'step_ended', durationMs: 1 },
  ];
}
