/** What every prompt version provides: the texts the reducer puts into agents' conversations, and how it reads replies. */
import type { CellOutcome } from '../schema/events.ts';
import type { AgentNode, Context, Json, Limits, ToolSpecRecord } from '../schema/state.ts';
import type { PromptSpec } from './config.ts';
import type { ParsedReply } from './parse.ts';

/** What the system prompt needs to know about the agent. */
export interface PromptFacts {
  depth: number;
  limits: Limits;
  context: Context;
  /** Relative paths of a folder context's documents, parallel to `context`. */
  contextPaths?: readonly string[];
  /** Host tools available as Python functions (those of the agent's depth are shown). */
  tools: readonly ToolSpecRecord[];
  /** JSON Schema the agent's `done()` value must match (the root of a typed run). */
  resultSchema?: Json;
  /** The agent takes several turns (a session): the prompt names `CONTEXTS`, `ANSWERS`, `HISTORY`. */
  session?: boolean;
}

/** Sub-call budgets left after a cell (null: that budget is not set); given only when some budget is set. */
export interface SubCallBudgetLeft {
  /** Sub-calls the whole run may still send. */
  tree: number | null;
  /** Sub-calls this agent may still send. */
  agent: number | null;
  /** Sub-call tokens the run may still spend. */
  tokens: number | null;
}

/** A cell as its feedback message needs it. */
export interface FeedbackCell {
  index: number;
  output: string;
  outputChars: number;
}

/**
 * One prompt version: every wording the reducer folds into a state, and the reply-parsing rules.
 * A version never changes once released (traces fold with it); new wording is a new version.
 */
export interface PromptSet {
  /** The version number recorded in states and trace headers. */
  readonly version: number;
  /**
   * The system prompt of an agent with `spec` (its variant or custom template). Pure. A str
   * context may enter it only by its length (`describeContext`): the reducer gives agents whose
   * other inputs are the same objects one prompt for contexts of the same length.
   */
  system(facts: PromptFacts, spec: PromptSpec): string;
  /** The first user message: the query (always starting `Query: `). Pure. */
  query(query: string, context: Context, spec: PromptSpec): string;
  /** Told to the model when its reply held nothing to run. */
  noCode(spec: PromptSpec): string;
  /** Reports a finished cell back to the model. Pure. */
  cellFeedback(node: Pick<AgentNode, 'iteration'>, limits: Limits, cell: FeedbackCell, outcome: CellOutcome, spec: PromptSpec, budget?: SubCallBudgetLeft): string;
  /** The user message that opens turn `index` (1 or more) of a session. Pure. */
  turn(index: number, query: string, context: Context, sameInput: boolean, resultSchema: Json | undefined, spec: PromptSpec): string;
  /** The note appended to a query message when the answer must match `schema` ('' for none). Pure. */
  resultNote(schema: Json | undefined): string;
  /** Splits a reply into what is kept and what runs. Pure. */
  parse(text: string): ParsedReply;
}
