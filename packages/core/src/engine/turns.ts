/**
 * Turns in a REPL: binding each turn's `CONTEXT` / `CONTEXTS` / `ANSWERS` / `HISTORY` before the
 * turn's first cell, live and when a REPL is rebuilt. A rebuilt REPL runs, for every turn in
 * order, the binding and then that turn's recorded cells, so it holds what the live one held.
 */
import type { Repl } from '../runtime/runtime.ts';
import type { AgentNode } from '../schema/state.ts';
import { turnBindingCode } from '../session/bind.ts';
import type { HostCallRegistry } from '../host-calls/registry.ts';
import { restoreRepl } from './restore.ts';

/**
 * Runs the bindings of `node`'s turns `from..last` in `repl`; returns the index of the last turn
 * bound (`from - 1` when there is none to bind).
 * @throws Error naming the agent and turn when a binding does not run cleanly.
 */
export async function bindTurns(repl: Repl, node: AgentNode, from: number, timeoutMs: number): Promise<number> {
  const turns = node.turns ?? [];
  for (let t = from; t < turns.length; t++) {
    const result = await repl.execute(turnBindingCode(node, t, repl.contextCode?.bind(repl)), async (call) => ({ ok: false, error: `binding a turn makes no host calls (got ${call.name})` }), {
      cell: turns[t]!.cellStart,
      timeoutMs,
    });
    if (result.status !== 'ok') {
      throw new Error(`agent ${node.id}: binding turn ${t} in its REPL ended with ${result.status}: ${result.error?.message ?? result.message ?? result.output}`);
    }
  }
  return turns.length - 1;
}

/**
 * Brings a fresh REPL to the point `node` describes, turn by turn (see `restoreRepl` for one
 * turn's cells). Returns the last turn bound (-1 for an agent without turns).
 * @param registry the host calls the run was recorded with (default: the built-in ones)
 * @throws ReplayDivergedError like `restoreRepl`; Error when a binding fails.
 */
export async function rebuildRepl(repl: Repl, node: AgentNode, timeoutMs: number, registry?: HostCallRegistry): Promise<number> {
  const turns = node.turns;
  if (!turns?.length) {
    await restoreRepl(repl, node, timeoutMs, registry);
    return -1;
  }
  for (let t = 0; t < turns.length; t++) {
    await bindTurns(repl, { ...node, turns: turns.slice(0, t + 1) }, t, timeoutMs);
    const end = turns[t + 1]?.cellStart ?? node.cells.length;
    await restoreRepl(repl, { ...node, cells: node.cells.slice(turns[t]!.cellStart, end) }, timeoutMs, registry);
  }
  return turns.length - 1;
}
