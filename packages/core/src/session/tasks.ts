/**
 * Persistent sub-agents, the state side: a finished child can be given another task (`ask`), which
 * is a new turn of that child (same REPL, same conversation), one task at a time per agent,
 * queued in order. A task is named by a handle `<child id>#<turn>` that `wait` takes like a
 * child id (a bare child id means its first task). Follows openrlm's `create_agent` /
 * `run_agent` / `await_result`.
 */
import type { Draft } from 'immer';
import type { AskSpec } from '../schema/events.ts';
import type { AgentNode, Context, Json, RunState, Turn } from '../schema/state.ts';
import { specFor } from '../prompts/config.ts';
import { promptSetFor } from '../prompts/versions.ts';
import { nodeOf } from '../node-table.ts';

/** The handle of task `turn` of agent `agentId`. Pure. */
export function taskHandle(agentId: string, turn: number): string {
  return turn === 0 ? agentId : `${agentId}#${turn}`;
}

/** The agent and task a handle names (`root.w#2` → root.w, 2; `root.w` → root.w, 0). Pure. */
export function parseTaskHandle(handle: string): { agentId: string; turn: number } {
  if (!handle.includes('#')) return { agentId: handle, turn: 0 }; // the common case, without a regex
  const m = /^(.*)#(\d+)$/.exec(handle);
  return m ? { agentId: m[1]!, turn: Number(m[2]) } : { agentId: handle, turn: 0 };
}

/** True when the task a handle names has ended (with a result or a structured error). Pure. */
export function taskFinished(state: RunState, handle: string): boolean {
  const { agentId, turn } = parseTaskHandle(handle);
  const node = nodeOf(state, agentId);
  if (!node) return false;
  const task = node.turns?.[turn];
  if (!task) return turn === 0 && node.status === 'FINISHED';
  return task.status === 'finished' || (task.status === undefined && node.status === 'FINISHED' && turn === node.turns!.length - 1);
}

/** What a finished task gave: its result, or its structured error. Pure. */
export function taskOutcome(state: RunState, handle: string): { result: Json } | { error: { kind: string; message: string } } {
  const { agentId, turn } = parseTaskHandle(handle);
  const node = nodeOf(state, agentId);
  if (!node) return { error: { kind: 'runtime_error', message: `no agent ${agentId}` } };
  const task = node.turns?.[turn];
  const error = task ? task.error : node.error;
  if (error) return { error: { kind: error.kind, message: error.message } };
  return { result: task ? task.result : node.result };
}

/**
 * Opens turn `index` on a finished agent: READY again with its iteration count reset (the limit is
 * per turn), the turn's message added to its conversation. The turn record must be in `turns`.
 */
export function beginTurn(draft: Draft<RunState>, node: Draft<AgentNode>, turn: Draft<Turn>, sameInput: boolean): void {
  turn.status = 'running';
  turn.messageStart = node.messages.length;
  turn.cellStart = node.cells.length;
  const prompt = draft.prompt as RunState['prompt'];
  const content = promptSetFor(prompt).turn(turn.index, turn.query, turn.context as Context, sameInput, turn.resultSchema as Json | undefined, specFor(prompt, node.depth));
  node.messages.push({ role: 'user', content });
  node.status = 'READY';
  node.iteration = 0;
  node.result = null;
  node.error = null;
}

/**
 * Gives child `spec.agentId` of `parent` another task: it starts now when the child has finished
 * its tasks, else it waits its turn. A child asked for the first time gets its first task (its
 * delegation) recorded as turn 0.
 * @returns an error message when the ask does not fit (not a child of `parent`), else null.
 */
export function askChild(draft: Draft<RunState>, parent: Draft<AgentNode>, spec: AskSpec): string | null {
  const child = draft.nodes[spec.agentId];
  if (!child || child.parentId !== parent.id) return `ask: ${JSON.stringify(spec.agentId)} is not a child of agent ${parent.id}`;
  child.turns ??= [
    {
      index: 0,
      query: child.query,
      context: child.context,
      messageStart: 1,
      cellStart: 0,
      startStep: 0,
      result: child.result,
      error: child.error,
      status: child.status === 'FINISHED' ? 'finished' : 'running',
    },
  ];
  const previous = child.turns[child.turns.length - 1]!;
  const index = child.turns.length;
  if (taskHandle(child.id, index) !== spec.handle) return `ask: the next task of ${child.id} is ${taskHandle(child.id, index)}, the event says ${spec.handle}`;
  const turn: Turn = {
    index,
    query: spec.query,
    context: (spec.context ?? previous.context) as Context,
    messageStart: child.messages.length,
    cellStart: child.cells.length,
    startStep: draft.step,
    result: null,
    error: null,
    status: 'queued',
  };
  child.turns.push(turn as Draft<Turn>);
  if (child.status === 'FINISHED' && child.turns.every((t) => t.status !== 'running')) beginTurn(draft, child, child.turns[index]!, spec.context === null);
  return null;
}

/**
 * After an agent finished a turn: its next queued task, if any, starts (returns true); else the
 * agent stays FINISHED. An agent that ended because its parent did drops its queued tasks with
 * the same error.
 */
export function startQueued(draft: Draft<RunState>, node: Draft<AgentNode>): boolean {
  const next = node.turns?.find((t) => t.status === 'queued');
  if (!next) return false;
  if (node.error?.kind === 'parent_finished' || node.error?.kind === 'cancelled') {
    for (const t of node.turns!) {
      if (t.status === 'queued') Object.assign(t, { status: 'finished', error: { ...node.error } });
    }
    return false;
  }
  const previous = node.turns![next.index - 1]!;
  beginTurn(draft, node, next, previous.context === next.context);
  return true;
}
