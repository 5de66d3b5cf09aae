/** The engine events a finished step implies, read off its reducer events and its before/after states. */
import type { RunEvent } from '../schema/events.ts';
import type { RunState } from '../schema/state.ts';
import type { EngineEmitter } from './events.ts';
import { nodeOf, unfinishedNodes } from '../node-table.ts';

/**
 * Emits, in this order: `error` for each failed model call or agent (limits excluded), `delegated`
 * for each cell that spawned children, then for every agent FINISHED in `next` but not in `prev`
 * (by id) `limit_hit` when a hard limit ended it and `agent_finished`; and last `step_finished`.
 * Reads only; costs one pass over the agents unfinished before the step, and nothing when no one
 * listens (an agent can only become FINISHED from an unfinished one).
 */
export function emitStepOutcome(emitter: EngineEmitter, prev: RunState, next: RunState, events: readonly RunEvent[]): void {
  const base = { runId: prev.runId, step: prev.step };
  for (const e of events) {
    if (e.type === 'llm_failed') emitter.emit({ type: 'error', ...base, agentId: e.agentId, kind: 'llm_error', message: e.message });
    else if (e.type === 'agent_failed' && !e.error.kind.endsWith('_limit')) {
      emitter.emit({ type: 'error', ...base, agentId: e.agentId, kind: e.error.kind, message: e.error.message });
    } else if (e.type === 'cell_ran' && e.delegated.length > 0) {
      emitter.emit({ type: 'delegated', ...base, agentId: e.agentId, children: e.delegated });
    }
  }
  if (emitter.has('agent_finished') || emitter.has('limit_hit')) {
    const before = unfinishedNodes(prev).map((n) => n.id);
    // Agents delegated during the step can finish in it too (a parent's end ends them).
    for (const e of events) if (e.type === 'cell_ran') for (const c of e.delegated) before.push(c.id);
    for (const id of before.sort()) {
      const node = nodeOf(next, id);
      if (!node || node.status !== 'FINISHED' || nodeOf(prev, id)?.status === 'FINISHED') continue;
      if (node.error?.kind.endsWith('_limit')) emitter.emit({ type: 'limit_hit', ...base, agentId: id, error: node.error });
      emitter.emit({ type: 'agent_finished', ...base, agentId: id, result: node.result, error: node.error, iteration: node.iteration, usage: node.usage });
    }
  }
  const durationMs = events.at(-1)?.type === 'step_ended' ? (events.at(-1) as { durationMs: number }).durationMs : 0;
  emitter.emit({ type: 'step_finished', ...base, durationMs, finished: nodeOf(next, next.rootId)?.status === 'FINISHED' });
}
