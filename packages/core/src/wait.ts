/** What a suspended agent's `yield wait(...)` receives. */
import type { WaitResult } from './runtime/runtime.ts';
import type { AgentNode, RunState } from './schema/state.ts';

/**
 * The results of the children `node` waits for, in handle order: a child's result, or the
 * structured reason it ended without one. Pure; call it once every awaited child is FINISHED.
 */
export function waitResults(state: RunState, node: AgentNode): WaitResult[] {
  return node.awaiting.map((id): WaitResult => {
    const child = state.nodes[id];
    if (!child) return { ok: false, error: { kind: 'runtime_error', message: `no agent ${id}` } };
    if (child.error) return { ok: false, error: { kind: child.error.kind, message: child.error.message } };
    return { ok: true, value: child.result };
  });
}

/** True when every child `node` waits for has finished. Pure. */
export function awaitedFinished(state: RunState, node: AgentNode): boolean {
  return node.awaiting.every((id) => state.nodes[id]?.status === 'FINISHED');
}
