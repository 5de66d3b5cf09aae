/**
 * Bringing a fresh REPL to the point a state describes: re-run the agent's recorded cells with
 * every host call answered from the record. No model, tool or child is called again.
 */
import type { HostCallHandler, HostCallRequest, Repl, WaitResult } from '../runtime/runtime.ts';
import type { AgentNode, HostCall } from '../schema/state.ts';

/** Re-running an agent's cells asked for something other than what the record holds. */
export class ReplayDivergedError extends Error {
  /**
   * @param agentId the agent whose REPL was being rebuilt
   * @param cell the index of the cell that diverged
   * @param detail which call differed and how
   */
  readonly agentId: string;
  readonly cell: number;
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

function sameCall(rec: HostCall, req: HostCallRequest): boolean {
  if (rec.name !== req.name) return false;
  const a = rec.args as Record<string, unknown>;
  switch (req.name) {
    case 'llm_query':
      return a.prompt === req.args.prompt;
    case 'llm_query_batched':
      return JSON.stringify(a.prompts) === JSON.stringify(req.args.prompts);
    case 'delegate':
      return a.name === req.args.name && a.query === req.args.query;
    case 'tool':
      return a.tool === req.args.tool && JSON.stringify([a.args, a.kwargs]) === JSON.stringify([req.args.args, req.args.kwargs]);
  }
}

/**
 * Re-runs `node`'s cells in `repl` (a fresh one) with recorded answers. Cells that timed out or
 * crashed are skipped: what they did before they were stopped cannot be reproduced. A SUPERVISING
 * agent's last cell is left suspended at its pending `wait`.
 * @throws ReplayDivergedError when the code asks for a call the record does not hold (or stops
 *   short of the record).
 */
export async function restoreRepl(repl: Repl, node: AgentNode, timeoutMs: number): Promise<void> {
  for (const cell of node.cells) {
    if (cell.status === 'timeout' || cell.status === 'crashed') continue;
    let next = 0;
    const handler: HostCallHandler = async (req) => {
      const rec = cell.calls[next];
      if (!rec || !sameCall(rec, req)) {
        throw new ReplayDivergedError(
          node.id,
          cell.index,
          `call ${next} is ${describe(req)} but the record holds ${rec ? describe(rec) : 'no more calls'}`,
        );
      }
      next += 1;
      return rec.answer!;
    };
    const options = { cell: cell.index, timeoutMs };
    let result = await repl.execute(cell.code, handler, options);
    while (result.status === 'suspended') {
      const rec = cell.calls[next];
      const handles = JSON.stringify(result.awaiting ?? []);
      if (!rec || rec.name !== 'wait' || JSON.stringify((rec.args as { handles: string[] }).handles) !== handles) {
        throw new ReplayDivergedError(node.id, cell.index, `call ${next} is wait(${handles}) but the record holds ${rec ? describe(rec) : 'no more calls'}`);
      }
      next += 1;
      if (rec.answer === null) return; // suspended where the state is: restored
      const answer = rec.answer;
      if (!answer.ok) throw new ReplayDivergedError(node.id, cell.index, 'the recorded wait has an error answer');
      result = await repl.resume(answer.value as WaitResult[], handler, options);
    }
    if (result.status === 'crashed') throw new Error(`restoring agent ${node.id}: the REPL died re-running cell ${cell.index}: ${result.message}`);
    if (next !== cell.calls.length) {
      throw new ReplayDivergedError(node.id, cell.index, `the cell ended after ${next} host calls but the record holds ${cell.calls.length}`);
    }
  }
}
