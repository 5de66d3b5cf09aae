/**
 * Restore that notices: comparing the names a rebuilt REPL's cell bound with the ones the cell
 * bound when it first ran (`Cell.bound`: type and a hash of a bounded repr, reported by the
 * REPL at the cell's end). A cell whose code read the clock, a pid, `os.urandom` or anything
 * else outside the record gives a different value when re-run; continuing with it would make
 * a fork or a resume silently differ from the run it came from. See docs/integrity.md.
 */
import type { AgentNode, BoundName } from '../schema/state.ts';

/** A rebuilt REPL bound a different value than the record: names the agent, cell and variable. */
export class RestoreDivergedError extends Error {
  readonly agentId: string;
  /** Index of the cell. */
  readonly cell: number;
  /** The variable whose value differs. */
  readonly variable: string;
  /**
   * @param agentId the agent whose REPL was rebuilt
   * @param cell the cell's index
   * @param variable the name whose fingerprint differs
   * @param detail recorded and rebuilt type and hash
   */
  constructor(agentId: string, cell: number, variable: string, detail: string) {
    super(`restore diverged: agent ${agentId}, cell ${cell}, variable ${variable}: ${detail}`);
    this.name = 'RestoreDivergedError';
    this.agentId = agentId;
    this.cell = cell;
    this.variable = variable;
  }
}

const show = (b: BoundName | undefined) => (b ? `${b.type} ${b.hash.slice(0, 12)} (${b.repr})` : 'not bound');

/**
 * Compares a cell's recorded fingerprints with the rebuilt ones. Nothing is compared when the
 * record has none (a runtime that does not report them, a trace from before) or the rebuilt
 * REPL reported none.
 * @throws RestoreDivergedError for the first name (in recorded order, then new names) whose type
 *   or hash differs, or that only one side bound.
 */
export function checkBound(node: AgentNode, cell: number, recorded: readonly BoundName[] | undefined, rebuilt: readonly BoundName[] | undefined): void {
  if (!recorded || !rebuilt) return;
  const now = new Map(rebuilt.map((b) => [b.name, b]));
  for (const was of recorded) {
    const is = now.get(was.name);
    if (!is || is.type !== was.type || is.hash !== was.hash) {
      throw new RestoreDivergedError(node.id, cell, was.name, `recorded ${show(was)}, rebuilt ${show(is)}`);
    }
    now.delete(was.name);
  }
  const extra = now.values().next().value;
  if (extra) throw new RestoreDivergedError(node.id, cell, extra.name, `recorded not bound, rebuilt ${show(extra)}`);
}
