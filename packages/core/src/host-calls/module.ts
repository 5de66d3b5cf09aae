/**
 * The shape of one host call: everything about it in one module (docs/architecture.md, "How to
 * add a host call"). The live handler (`engine/host-calls.ts`), the REPL rebuild
 * (`engine/restore.ts`) and `ReplayLLM` (`trace/replay-llm.ts`) know host calls only through
 * this interface and a `HostCallRegistry`, so a new host call is one module plus one
 * `register(...)`.
 */
import type { z } from 'zod';
import type { LLMClient } from '../llm/client.ts';
import type { SubCallCache } from '../llm/subcall-cache.ts';
import type { SubCallLedger } from './sub-call-ledger.ts';
import type { AskSpec, ChildSpec } from '../schema/events.ts';
import type { AgentNode, ChatMessage, HostAnswer, HostCall, Json, Limits, RunState, Usage } from '../schema/state.ts';

/** A host function agent code can call as a Python function (the `tool` host call). */
export interface Tool {
  /** One line for the system prompt and the Python docstring. */
  description: string;
  /**
   * Runs the tool with the positional and keyword arguments from Python (JSON values); returns a
   * JSON value. A throw becomes a `ToolError` raised in the REPL with the error's message.
   */
  run(args: Json[], kwargs: Record<string, Json>): Json | Promise<Json>;
}

/**
 * What one cell (or resumed segment) has done so far, shared by the calls it makes: the
 * recorded calls, the children delegated, the child ids taken, the usage spent. A module that
 * needs more per-cell state (e.g. tasks given to finished children) adds a field here and to
 * the `cell_ran` event the engine builds from it.
 */
export interface CellScratch {
  /** Calls made so far in this segment, in order, with their answers and usage. */
  readonly calls: HostCall[];
  /** Children delegated so far in this segment. */
  readonly delegated: ChildSpec[];
  /** Tasks given to children (`ask`) so far in this segment. */
  readonly asked: AskSpec[];
  /** Child ids already used by this agent (its children plus this segment's delegations). */
  readonly taken: Set<string>;
  /** Tokens, cost (USD) and model calls of this segment's calls so far. */
  usage: Usage;
}

/**
 * What a host call's handler gets besides its arguments. Read-only except `cell`.
 * Budgets read `state` (tree usage at the step's start) plus `cell.usage`; they refuse a call by
 * returning `{ ok: false, kind: 'budget', error }` before sending anything.
 */
export interface HostCallContext {
  /** The run at the start of this step (limits, every node's usage so far). */
  readonly state: RunState;
  /** The agent making the call. */
  readonly node: AgentNode;
  /** The run's limits (`state.limits`). */
  readonly limits: Limits;
  /** Index of the cell the call is made from. */
  readonly cellIndex: number;
  /** The model that answers sub-calls (`llm_query`). */
  readonly subModel: LLMClient;
  /** Host tools by name. */
  readonly tools: Readonly<Record<string, Tool>>;
  /** Bound on concurrent prompts of one batched sub-call. */
  readonly subCallConcurrency: number;
  /** Aborted when the run is cancelled; pass it to anything slow. */
  readonly signal?: AbortSignal;
  /** This segment's calls, children and usage so far. */
  readonly cell: CellScratch;
  /** The step's sub-call budgets (shared by every cell of the step); absent: no budgets checked. */
  readonly ledger?: SubCallLedger;
  /** Answers repeated sub-calls for free (in-run LRU or persistent); absent: every sub-call is sent. */
  readonly subCallCache?: SubCallCache;
}

/**
 * What a handler returns: the answer the REPL gets and what the call spent. The call is recorded
 * as `{ name, args: module.record(args), answer, usage }`; fields a later issue adds to
 * `HostCallSchema` (e.g. `cached`) are added here too and copied into the record.
 */
export interface HostCallOutcome {
  answer: HostAnswer;
  /** Tokens and cost spent (sub-calls); a cache hit is zero usage. Absent or zero: not recorded. */
  usage?: Usage;
  /** Sub-calls: prompts answered from the sub-call cache (recorded on the call). */
  cacheHits?: number;
  /** Sub-calls: prompts a budget refused unsent (recorded on the call). */
  refused?: number;
}

/** One model sub-call a recorded host call holds, as `ReplayLLM` answers it. */
export interface RecordedSubCall {
  /** The messages the sub-model was sent. */
  messages: ChatMessage[];
  /** The reply text, or the error the recorded call failed with. */
  answer: { ok: true; text: string } | { ok: false; error: string };
  /** What it spent as recorded (a batch's usage sits on its first prompt). */
  usage: Usage;
  /** The model that answered, when recorded. */
  model?: string;
}

/**
 * One host call: `name(**args)` in Python, answered by the host.
 * @typeParam A the validated arguments (the output of `args`)
 */
export interface HostCallModule<A = unknown> {
  /** The protocol name (`call.name`) and the Python function's name (a Python identifier). */
  readonly name: string;
  /** One line for docs and the system prompt. */
  readonly description: string;
  /** The arguments as the REPL sends them (a JSON object); a failed parse answers `invalid_args`, naming the field. */
  readonly args: z.ZodType<A>;
  /** The value of an `ok` answer; the live handler checks it (a mismatch is a host bug and throws). */
  readonly answer: z.ZodType;
  /**
   * Python source defining the function(s) agent code calls, for a module not built into the
   * prelude (a third-party package). It runs in the agent's namespace at `init` with
   * `host_call(name, args)` (returns the value or raises) and the prelude's exception classes bound.
   * Built-in calls have their stubs in the prelude (`rlmtree/api.py`) and leave this unset.
   */
  readonly python?: string;
  /** Answers a live call. Never throws for a failed call: return `{ ok: false, error }`. */
  handle(args: A, ctx: HostCallContext): Promise<HostCallOutcome>;
  /** The arguments as recorded in the state (default: as given). E.g. `delegate` records the context's size, not the context. */
  record?(args: A): Json;
  /**
   * What must be equal for a rebuilt REPL's call to be "the same call" as a recorded one,
   * computed from recorded arguments (default: all of them). Keep it to what the code decides
   * (`llm_query`: the prompt), so arguments added later with defaults do not break old records.
   */
  identity?(recordedArgs: Json): Json;
  /** The model sub-calls a recorded call of this module holds, in order, for `ReplayLLM`. */
  subCalls?(call: HostCall): RecordedSubCall[];
}

/** Types a module's `handle` from its `args` schema; returns the module unchanged. */
export function defineHostCall<A>(module: HostCallModule<A>): HostCallModule<A> {
  return module;
}
