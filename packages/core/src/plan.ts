/**
 * The planner: `plan(state) -> Effect[]`, pure. Says which model calls, cell executions and
 * resumes are due in the next step: one per runnable agent, in agent-id order.
 */
import type { AgentNode, RunState } from './schema/state.ts';
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
  const busyChildren = new Map<string, string[]>();
  for (const node of unfinished) {
    // A child without turns that is not FINISHED has not finished its one task.
    if (node.parentId !== null && node.turns === undefined) (busyChildren.get(node.parentId) ?? busyChildren.set(node.parentId, []).get(node.parentId)!).push(node.id);
  }
  for (const node of unfinished) {
    const id = node.id;
    if (node.status === 'READY') effects.push({ kind: 'llm', agentId: id });
    else if (node.status === 'EXECUTING') effects.push({ kind: 'exec', agentId: id });
    else if (node.status === 'SUPERVISING' && !waitsOnBusyChild(node, busyChildren.get(id)) && awaitedFinished(state, node)) effects.push({ kind: 'wake', agentId: id });
  }
  return effects;
}

/** The handles each wide wait holds, as a set (made once per recorded `awaiting` array). */
const awaitSets = new WeakMap<readonly string[], Set<string>>();

/**
 * True when `node` waits for one of `busy` (its unfinished children without turns): then it cannot
 * wake, known without checking every awaited handle. A wait on 5,000 children with one still
 * running costs the running ones, not the 4,999 done (issue 18). Small waits skip this.
 */
function waitsOnBusyChild(node: AgentNode, busy: readonly string[] | undefined): boolean {
  if (!busy || node.awaiting.length < 32) return false;
  let handles = awaitSets.get(node.awaiting);
  if (!handles) awaitSets.set(node.awaiting, (handles = new Set(node.awaiting)));
  return busy.some((id) => handles.has(id));
}

/** True once the root agent has finished. Pure. */
export function isFinished(state: RunState): boolean {
  return nodeOf(state, state.rootId)?.status === 'FINISHED';
}
