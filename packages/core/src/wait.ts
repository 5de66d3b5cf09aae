/** What a suspended agent's `yield wait(...)` receives. */
import type { AgentNode, RunState, WaitResult } from './schema/state.ts';
import { taskFinished, taskOutcome } from './session/tasks.ts';

/**
 * The results of the tasks `node` waits for, in handle order: a child's result (of its first
 * task for a child id, of task k for `<child id>#k`), or the structured reason it has none.
 * Pure; call it once every awaited task has finished.
 */
export function waitResults(state: RunState, node: AgentNode): WaitResult[] {
  return node.awaiting.map((handle): WaitResult => {
    const outcome = taskOutcome(state, handle);
    return 'error' in outcome ? { ok: false, error: outcome.error } : { ok: true, value: outcome.result };
  });
}

/** True when every task `node` waits for has finished. Pure. */
export function awaitedFinished(state: RunState, node: AgentNode): boolean {
  return node.awaiting.every((handle) => taskFinished(state, handle));
}
