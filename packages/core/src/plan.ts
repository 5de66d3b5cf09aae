/**
 * The planner: `plan(state) -> Effect[]`, pure. Says which model calls, cell executions and
 * resumes are due in the next step: one per runnable agent, in agent-id order.
 */
import type { RunState } from './schema/state.ts';
import { awaitedFinished } from './wait.ts';
import { nodeOf, unfinishedNodes } from './node-table.ts';

/** Work due for one agent in a step. */
export type Effect =
  | { kind: 'llm'; agentId: string }
  | { kind: 'exec'; agentId: string }
  | { kind: 'wake'; agentId: string };

/**
 * The effects of the next step, sorted by agent id. Empty once the root has finished. Pure. Cost:
 * the unfinished agents (finished ones have no effects and are not visited).
 */
export function plan(state: RunState): Effect[] {
  if (isFinished(state)) return [];
  const effects: Effect[] = [];
  const unfinished = unfinishedNodes(state).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const node of unfinished) {
    const id = node.id;
    if (node.status === 'READY') effects.push({ kind: 'llm', agentId: id });
    else if (node.status === 'EXECUTING') effects.push({ kind: 'exec', agentId: id });
    else if (node.status === 'SUPERVISING' && awaitedFinished(state, node)) effects.push({ kind: 'wake', agentId: id });
  }
  return effects;
}

/** True once the root agent has finished. Pure. */
export function isFinished(state: RunState): boolean {
  return nodeOf(state, state.rootId)?.status === 'FINISHED';
}
