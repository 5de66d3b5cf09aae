/**
 * Answering a cell's host calls during a live step. Each call is validated against its module
 * (`host-calls/`), answered by the module's handler, and recorded with its answer and usage, so
 * the cell can later be re-run with no model, tool or child (`restore.ts`).
 */
import { addUsage, zeroUsage, type LLMClient } from '../llm/client.ts';
import type { HostCallHandler } from '../runtime/runtime.ts';
import type { AskSpec, ChildSpec } from '../schema/events.ts';
import type { AgentNode, HostCall, Limits, RunState } from '../schema/state.ts';
import type { CellScratch, HostCallContext as ModuleContext, HostCallOutcome, Tool } from '../host-calls/module.ts';
import { builtinHostCalls, type HostCallRegistry } from '../host-calls/registry.ts';
import type { SubCallLedger } from '../host-calls/sub-call-ledger.ts';
import type { SubCallCache } from '../llm/subcall-cache.ts';
import { quickParse } from '../schema/fast-path.ts';

/** A tool an agent can call from its REPL (re-exported from `host-calls/module.ts` for the engine's callers). */
export type { Tool };

/** What the live handler needs from the engine for one cell (or resumed segment). */
export interface HostCallContext {
  /** The run at the start of the step. */
  state: RunState;
  node: AgentNode;
  limits: Limits;
  /** Index of the cell being run. */
  cellIndex: number;
  /** The model that answers sub-calls. */
  subModel: LLMClient;
  tools: Readonly<Record<string, Tool>>;
  /** Bound on concurrent prompts of one `llm_query_batched`. */
  subCallConcurrency: number;
  signal?: AbortSignal;
  /** The host calls answered (default: `builtinHostCalls()`). */
  hostCalls?: HostCallRegistry;
  /** The step's sub-call budgets, shared by its cells (default: none checked). */
  ledger?: SubCallLedger;
  /** The sub-call cache (default: none). */
  subCallCache?: SubCallCache;
}

/** A handler for one cell plus what it recorded. */
export interface RecordingHandler {
  handler: HostCallHandler;
  /** Calls made so far, in order, with their answers and usage. */
  calls: HostCall[];
  /** Children delegated so far. */
  delegated: ChildSpec[];
  /** Tasks given to children (`ask`) so far. */
  asked: AskSpec[];
}

/**
 * Makes the live host-call handler for one cell (or resumed segment) of `ctx.node`.
 * The handler rejects only for a host bug: a module whose `ok` answer does not match its
 * `answer` schema.
 */
export function recordingHandler(ctx: HostCallContext): RecordingHandler {
  const registry = ctx.hostCalls ?? builtinHostCalls();
  const cell: CellScratch = { calls: [], delegated: [], asked: [], taken: new Set(ctx.node.children), usage: zeroUsage() };
  const { hostCalls: _registry, ...rest } = ctx;
  const moduleContext: ModuleContext = { ...rest, cell };

  const handler: HostCallHandler = async (req) => {
    const checked = registry.check(req);
    let outcome: HostCallOutcome;
    if (checked.ok) {
      outcome = await checked.module.handle(checked.args, moduleContext);
      if (outcome.answer.ok) {
        const valid = quickParse(checked.module.answer, outcome.answer.value);
        if (!valid.success) throw new Error(`host call ${req.name}: its handler answered a value its answer schema rejects: ${valid.error.issues[0]?.message}`);
      }
    } else outcome = { answer: checked.answer };
    const { answer, usage, ...more } = outcome;
    const call: HostCall = { name: req.name, args: checked.recordedArgs, answer, ...more };
    if (usage && usage.llmCalls > 0) {
      call.usage = usage;
      cell.usage = addUsage(cell.usage, usage);
    }
    cell.calls.push(call);
    return answer;
  };
  return { handler, calls: cell.calls, delegated: cell.delegated, asked: cell.asked };
}
