/**
 * zod schemas of the events that `reduce` folds into a run state. Events say what happened;
 * a trace is an initial state plus its events, and replaying them gives every state again.
 */
import { z } from './zod.ts';
import { lazySchema, real } from './lazy.ts';
import {
  AgentErrorSchema,
  BoundNameSchema,
  CellErrorSchema,
  ChatMessageSchema,
  ContextSchema,
  DisplaySchema,
  HostCallSchema,
  JsonSchema,
  LimitsSchema,
  UsageSchema,
  type RunState,
} from './state.ts';

/** A child created by `delegate(...)` during a cell. `context: null` inherits the parent's. */
export const ChildSpecSchema = lazySchema(() => z.object({
  id: z.string(),
  name: z.string(),
  query: z.string(),
  context: real(ContextSchema).nullable(),
  /** A note from the parent added to the child's system prompt (`delegate(..., instructions=...)`). */
  instructions: z.string().optional(),
}));
/** A child created by `delegate(...)`. */
export type ChildSpec = z.infer<typeof ChildSpecSchema>;

/**
 * Another task given to a child during a cell (`ask(handle, query)`): a new turn of that child,
 * started at once if it has finished its tasks, else queued. `handle` names the task for `wait`
 * (`<child id>#<turn>`). `context: null` keeps the child's previous input.
 */
export const AskSpecSchema = lazySchema(() => z.object({
  agentId: z.string(),
  handle: z.string(),
  query: z.string(),
  context: real(ContextSchema).nullable(),
}));
/** Another task given to a child. */
export type AskSpec = z.infer<typeof AskSpecSchema>;

/** How a cell (or the resumed rest of one) ended. */
export const CellOutcomeSchema = lazySchema(() => z.discriminatedUnion('status', [
  z.object({ status: z.literal('suspended'), awaiting: z.array(z.string()) }),
  z.object({ status: z.literal('ok') }),
  z.object({ status: z.literal('done'), result: real(JsonSchema) }),
  z.object({ status: z.literal('error'), error: real(CellErrorSchema) }),
  z.object({ status: z.literal('timeout'), message: z.string() }),
  z.object({ status: z.literal('crashed'), message: z.string() }),
]));
/** How a cell ended. */
export type CellOutcome = z.infer<typeof CellOutcomeSchema>;

/** The model answered an agent. */
export const LlmRepliedSchema = lazySchema(() => z.object({
  type: z.literal('llm_replied'),
  agentId: z.string(),
  text: z.string(),
  usage: real(UsageSchema),
  model: z.string().optional(),
}));

/** The model call of an agent failed after the client's retries; the agent finishes. */
export const LlmFailedSchema = lazySchema(() => z.object({
  type: z.literal('llm_failed'),
  agentId: z.string(),
  message: z.string(),
}));

/**
 * A cell ran (or the suspended rest of one was resumed) up to its next stop. `calls`, `output`
 * and `delegated` are those of this segment only; a resumed segment continues the last cell.
 */
export const CellRanSchema = lazySchema(() => z.object({
  type: z.literal('cell_ran'),
  agentId: z.string(),
  resumed: z.boolean(),
  calls: z.array(real(HostCallSchema)),
  output: z.string(),
  outputChars: z.number().int().nonnegative(),
  /** Rich displays of this segment (images), stored in the trace as blobs. */
  displays: z.array(real(DisplaySchema)).optional(),
  delegated: z.array(real(ChildSpecSchema)),
  /** Tasks given to finished (or busy) children with `ask`; absent when none. */
  asked: z.array(real(AskSpecSchema)).optional(),
  outcome: real(CellOutcomeSchema),
  /** Names this segment bound, with fingerprints, when the runtime reports them (see `BoundName`). */
  bound: z.array(real(BoundNameSchema)).optional(),
}));

/**
 * An agent ends with a structured error and no result: a tree-wide limit (on the root), a REPL
 * that cannot start, a replay that diverged. Its unfinished descendants end with it.
 */
export const AgentFailedSchema = lazySchema(() => z.object({
  type: z.literal('agent_failed'),
  agentId: z.string(),
  error: real(AgentErrorSchema),
}));

/** A person or script changed the run between steps (see `control` helpers). */
export const IntervenedSchema = lazySchema(() => z.discriminatedUnion('action', [
  z.object({ type: z.literal('intervened'), action: z.literal('inject_message'), agentId: z.string(), message: real(ChatMessageSchema) }),
  z.object({ type: z.literal('intervened'), action: z.literal('set_result'), agentId: z.string(), result: real(JsonSchema) }),
  z.object({ type: z.literal('intervened'), action: z.literal('cancel'), agentId: z.string(), message: z.string() }),
  z.object({ type: z.literal('intervened'), action: z.literal('set_limits'), agentId: z.string(), limits: real(LimitsSchema).partial() }),
  /** An agent that ended on a model error (`llm_error`) is READY again: its next step calls the model again. */
  z.object({ type: z.literal('intervened'), action: z.literal('retry'), agentId: z.string() }),
]));

/**
 * A new turn of a session: the agent (the root; later a persistent child) takes another query,
 * keeping its REPL and conversation. Folded before the step that runs the turn, like an
 * intervention. `context: null` keeps the previous turn's input.
 */
export const TurnStartedSchema = lazySchema(() => z.object({
  type: z.literal('turn_started'),
  agentId: z.string(),
  query: z.string(),
  context: real(ContextSchema).nullable(),
  /** JSON Schema the turn's answer must match (see `recordResultSchema`). */
  resultSchema: real(JsonSchema).optional(),
}));

/** A step ended; `durationMs` is its wall time. */
export const StepEndedSchema = lazySchema(() => z.object({
  type: z.literal('step_ended'),
  durationMs: z.number().nonnegative(),
}));

/** Every event `reduce` understands. */
export const RunEventSchema = lazySchema(() => z.union([
  real(LlmRepliedSchema),
  real(LlmFailedSchema),
  real(CellRanSchema),
  real(AgentFailedSchema),
  real(IntervenedSchema),
  real(TurnStartedSchema),
  real(StepEndedSchema),
]));
/** Every event `reduce` understands. */
export type RunEvent = z.infer<typeof RunEventSchema>;
/** The model answered an agent. */
export type LlmReplied = z.infer<typeof LlmRepliedSchema>;
/** A cell ran up to its next stop. */
export type CellRan = z.infer<typeof CellRanSchema>;
/** A new turn of a session. */
export type TurnStarted = z.infer<typeof TurnStartedSchema>;
/** A change made between steps by a person or script. */
export type Intervened = z.infer<typeof IntervenedSchema>;

/** What one step did: the new state and the events folded into it. */
export interface StepResult {
  state: RunState;
  /** Events in the order they were folded; the last is `step_ended`. */
  events: RunEvent[];
}
