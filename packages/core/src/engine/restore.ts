/**
 * Rebuilding a REPL: bring a fresh REPL to the point a state describes by re-running the agent's
 * recorded cells with every host call answered from the record ("recorded answers"). No model,
 * tool or child is called again. Which recorded call a request matches is the module's business
 * (`HostCallModule.identity`, through the registry).
 */
import type { CellResult, HostCallHandler, HostCallRequest, Repl } from '../runtime/runtime.ts';
import type { AgentNode, BoundName, HostCall } from '../schema/state.ts';
import { checkBound } from '../integrity/fingerprint.ts';
import { builtinHostCalls, type HostCallRegistry } from '../host-calls/registry.ts';
import { isWaitFor, WaitAnswerSchema } from '../host-calls/wait.ts';

/** Re-running an agent's cells asked for something other than what the record holds. */
export class ReplayDivergedError extends Error {
  /** The agent whose REPL was being rebuilt. */
  readonly agentId: string;
  /** The index of the cell that diverged. */
  readonly cell: number;
  /**
   * @param agentId the agent whose REPL was being rebuilt
   * @param cell the index of the cell that diverged
   * @param detail which call differed and how
   */
  constructor(agentId: string, cell: number, detail: string) {
    super(`replay diverged: agent ${agentId}, cell ${cell}: ${detail}`);
    this.agentId = agentId;
    this.cell = cell;
    this.name = 'ReplayDivergedError';
  }
}

function describe(req: { name: string; args: unknown }): string {
  const text = JSON.stringify(req.args) ?? '';
  return `${req.name}(${text.length > 120 ? `${text.slice(0, 119)}…` : text})`;
}

/**
 * Re-runs `node`'s cells in `repl` (a fresh one) with recorded answers. Cells that timed out or
 * crashed are skipped: what they did before they were stopped cannot be reproduced. A SUPERVISING
 * agent's last cell is left suspended at its pending `wait`.
 * @param registry the host calls the run was recorded with (default: the built-in ones)
 * @throws ReplayDivergedError when the code asks for a call the record does not hold (or stops
 *   short of the record).
 */
export async function restoreRepl(repl: Repl, node: AgentNode, timeoutMs: number, registry: HostCallRegistry = builtinHostCalls()): Promise<void> {
  for (const cell of node.cells) {
    if (cell.status === 'timeout' || cell.status === 'crashed') continue;
    let next = 0;
    const diverged = (what: string, rec: HostCall | undefined) =>
      new ReplayDivergedError(node.id, cell.index, `call ${next} is ${what} but the record holds ${rec ? describe(rec) : 'no more calls'}`);
    const handler: HostCallHandler = async (req: HostCallRequest) => {
      const rec = cell.calls[next];
      if (!rec || !registry.sameCall(rec, req)) throw diverged(describe(req), rec);
      next += 1;
      return rec.answer!;
    };
    const options = { cell: cell.index, timeoutMs };
    // What the re-run cell bound, merged over its segments like the record (see integrity/fingerprint.ts).
    const bound = new Map<string, BoundName>();
    const seen = (r: CellResult) => {
      for (const b of r.bound ?? []) bound.set(b.name, b);
      return r;
    };
    let result = seen(await repl.execute(cell.code, handler, options));
    while (result.status === 'suspended') {
      const rec = cell.calls[next];
      const handles = result.awaiting ?? [];
      if (!isWaitFor(rec, handles)) throw diverged(`wait(${JSON.stringify(handles)})`, rec);
      next += 1;
      if (rec.answer === null) {
        checkBound(node, cell.index, cell.bound, bound.size ? [...bound.values()] : undefined);
        return; // suspended where the state is: restored
      }
      // A wait the reducer refused (a handle the agent does not own): the live cell ended here
      // with a DelegateError, and the REPL dropped the suspended block when it ran the next cell;
      // the rebuilt one does the same.
      if (!rec.answer.ok) break;
      const results = WaitAnswerSchema.safeParse(rec.answer.value);
      if (!results.success) throw new ReplayDivergedError(node.id, cell.index, 'the recorded wait answer is not a list of child results');
      result = seen(await repl.wake(results.data, handler, options));
    }
    if (result.status === 'crashed') throw new Error(`restoring agent ${node.id}: the REPL died re-running cell ${cell.index}: ${result.message}`);
    if (next !== cell.calls.length) {
      throw new ReplayDivergedError(node.id, cell.index, `the cell ended after ${next} host calls but the record holds ${cell.calls.length}`);
    }
    // A runtime that reports no fingerprints is not compared (nor is a record without them).
    checkBound(node, cell.index, cell.bound, bound.size ? [...bound.values()] : undefined);
  }
}
