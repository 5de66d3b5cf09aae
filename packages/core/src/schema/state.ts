/**
 * zod schemas of a run's state: a tree of agent nodes stored flat by id. The TypeScript types
 * are inferred from these schemas, so the schema is the one source of truth for both.
 */
import { z } from './zod.ts';
import { PromptConfigSchema } from './prompt.ts';
import { lazySchema, real } from './lazy.ts';
import { withFastPath } from './fast-path.ts';
import { hostAnswerFastPath, jsonFastPath } from './json-fast-path.ts';
import { limitsFastPath } from './limits-fast-path.ts';

/** Any JSON value (what crosses between the REPL and the host). */
export const JsonSchema = lazySchema(() => z.json());
/** Any JSON value. */
export type Json = z.infer<typeof JsonSchema>;
withFastPath(JsonSchema, jsonFastPath);

/** One chat message. */
export const ChatMessageSchema = lazySchema(() => z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
}));
/** One chat message. */
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** Tokens, cost in USD and number of model calls. Cost is 0 when the price is unknown. */
export const UsageSchema = lazySchema(() => z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** Input tokens served from a provider's prompt cache (a subset of `inputTokens`). */
  cachedTokens: z.number().int().nonnegative(),
  /** Input tokens written to a provider's prompt cache (Anthropic), a subset of `inputTokens`; absent when none. */
  cacheWriteTokens: z.number().int().nonnegative().optional(),
  costUsd: z.number().nonnegative(),
  llmCalls: z.number().int().nonnegative(),
}));
/** Tokens, cost (USD) and model calls. */
export type Usage = z.infer<typeof UsageSchema>;

/** The long input bound to `CONTEXT`: one string, or a list of documents. */
export const ContextSchema = lazySchema(() => z.union([z.string(), z.array(z.string())]));
/** The long input bound to `CONTEXT`. */
export type Context = z.infer<typeof ContextSchema>;

/**
 * Hard limits of a run. `null` turns a tree-wide limit off.
 * Depth: the root is at depth 0; an agent at depth `maxDepth` cannot delegate.
 */
export const LimitsSchema = lazySchema(() => z.object({
  /** Deepest level a delegated child may sit at (root = 0). */
  maxDepth: z.number().int().nonnegative(),
  /** Model replies an agent may receive before it is finished with `iteration_limit`. */
  maxIterations: z.number().int().positive(),
  /** Wall time one cell (or one resumed segment of it) may run before it is interrupted (ms). */
  cellTimeoutMs: z.number().int().positive(),
  /** Characters of a cell's output shown to the model (head + tail; the true length is stated). */
  maxOutputChars: z.number().int().positive(),
  /** Total tokens (input + output) of the whole tree, sub-calls included. */
  maxTotalTokens: z.number().int().positive().nullable(),
  /** Total cost of the whole tree in USD. */
  maxCostUsd: z.number().positive().nullable(),
  /** Total wall time of the run's steps (ms). */
  maxWallClockMs: z.number().int().positive().nullable(),
  /**
   * Sub-call prompts (`llm_query`, one per prompt of `llm_query_batched`) the whole tree may send;
   * cache hits are free and not counted. `0` is the RLM paper's "no sub-calls" ablation: the
   * functions are left out of the REPL and the prompt. Absent (older records) or null: no budget.
   */
  maxSubCalls: z.number().int().nonnegative().nullable().optional(),
  /** Sub-call prompts one agent may send. Absent or null: no budget. */
  maxSubCallsPerAgent: z.number().int().positive().nullable().optional(),
  /** Tokens (input + output) the tree's sub-calls may spend in all. Absent or null: no budget. */
  maxSubCallTokens: z.number().int().positive().nullable().optional(),
  /** Characters of one sub-call's prompt; a longer prompt is refused unsent. Absent or null: no bound. */
  maxSubCallInputChars: z.number().int().positive().nullable().optional(),
}));
/** Hard limits of a run. */
export type Limits = z.infer<typeof LimitsSchema>;
withFastPath(LimitsSchema, limitsFastPath);

/** Why an agent ended without a result of its own. */
export const AgentErrorKindSchema = lazySchema(() => z.enum([
  'iteration_limit',
  'token_limit',
  'cost_limit',
  'wall_clock_limit',
  'llm_error',
  'runtime_error',
  'replay_diverged',
  /** A rebuilt REPL re-ran a cell and bound a value other than the recorded one (see docs/integrity.md). */
  'restore_diverged',
  'cancelled',
  'parent_finished',
]));
/** Why an agent ended without a result of its own. */
export type AgentErrorKind = z.infer<typeof AgentErrorKindSchema>;

/** A structured reason an agent finished without a result (never a fake answer). */
export const AgentErrorSchema = lazySchema(() => z.object({ kind: real(AgentErrorKindSchema), message: z.string() }));
/** A structured reason an agent finished without a result. */
export type AgentError = z.infer<typeof AgentErrorSchema>;

/**
 * What a host call returned to the REPL: a value, or an error the REPL raises. `kind` (absent in
 * traces written before it existed) picks the Python exception class: `invalid_args` raises
 * `HostCallArgumentError` (a `TypeError`), any other kind or none raises the call's own error
 * class (`LLMError`, `DelegateError`, `ToolError`). Later kinds (e.g. `budget`) are added to the
 * prelude's table in `rlmtree/errors.py`; see docs/architecture.md.
 */
export const HostAnswerSchema = lazySchema(() => z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: real(JsonSchema) }),
  z.object({
    ok: z.literal(false),
    error: z.string(),
    kind: z.string().optional(),
    /** A structured sub-call (kind `schema`) whose reply failed its schema: the reply text as the model sent it. */
    reply: z.string().optional(),
  }),
]));
/** What a host call returned to the REPL. */
export type HostAnswer = z.infer<typeof HostAnswerSchema>;
withFastPath(HostAnswerSchema, hostAnswerFastPath);

/**
 * Names of host calls: the built-in ones (`llm_query`, `llm_query_batched`, `delegate`, `tool`)
 * and `wait`, the suspension point, plus any a `HostCallRegistry` adds. A plain string so a new
 * host call needs no edit here (see docs/architecture.md).
 */
export const HostCallNameSchema = lazySchema(() => z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a host call name is a Python identifier'));
/** Names of the host calls agent code can make. */
export type HostCallName = z.infer<typeof HostCallNameSchema>;

/** What one awaited child gave a resumed `wait`: its result, or the structured reason it has none. */
export const WaitResultSchema = lazySchema(() => z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: real(JsonSchema) }),
  z.object({ ok: z.literal(false), error: z.object({ kind: z.string(), message: z.string() }) }),
]));
/** What one awaited child gave: its result, or the structured reason it has none. */
export type WaitResult = z.infer<typeof WaitResultSchema>;

/**
 * One host call a cell made, with its answer: the record that lets a REPL be rebuilt by
 * re-running its cells with no model, tool or child called again. `answer` is null only for
 * the `wait` a SUPERVISING agent is suspended at.
 */
export const HostCallSchema = lazySchema(() => z.object({
  name: real(HostCallNameSchema),
  args: real(JsonSchema),
  answer: real(HostAnswerSchema).nullable(),
  /** Tokens and cost the call spent (sub-calls). */
  usage: real(UsageSchema).optional(),
  /** Sub-calls only: prompts of this call answered from the sub-call cache (free, not counted against budgets). */
  cacheHits: z.number().int().nonnegative().optional(),
  /** Sub-calls only: prompts of this call a sub-call budget refused before they were sent. */
  refused: z.number().int().nonnegative().optional(),
}));
/** One recorded host call. */
export type HostCall = z.infer<typeof HostCallSchema>;

/** How a cell ended. `suspended`: parked at `yield wait(...)`. */
export const CellStatusSchema = lazySchema(() => z.enum(['suspended', 'ok', 'error', 'done', 'timeout', 'crashed']));
/** How a cell ended. */
export type CellStatus = z.infer<typeof CellStatusSchema>;

/** A Python exception raised by a cell, traceback without the prelude's own frames. */
export const CellErrorSchema = lazySchema(() => z.object({ type: z.string(), message: z.string(), traceback: z.string() }));
/** A Python exception raised by a cell. */
export type CellError = z.infer<typeof CellErrorSchema>;

/** Rich output a cell displayed (an image, a chart): kept in the trace, never put in a prompt. */
export const DisplaySchema = lazySchema(() => z.object({
  /** MIME type, e.g. `image/png`. */
  mime: z.string(),
  /** base64 for binary types, the text itself for SVG. */
  data: z.string(),
}));
/** Rich output a cell displayed. */
export type Display = z.infer<typeof DisplaySchema>;

/**
 * One name a cell bound in the REPL's namespace, as the REPL reported it at the cell's end: the
 * fingerprint a rebuilt REPL is compared against (issue 14) and the variables a `RunSummary` lists.
 */
export const BoundNameSchema = lazySchema(() => z.object({
  name: z.string(),
  /** The Python type name, e.g. `int`, `DataFrame`. */
  type: z.string(),
  /** sha256 (hex) of the value's repr cut to a bounded length: cheap, and equal for equal values. */
  hash: z.string(),
  /** The repr cut to about 80 characters, for summaries and viewers. */
  repr: z.string(),
}));
/** One name a cell bound. */
export type BoundName = z.infer<typeof BoundNameSchema>;

/** One executed cell of an agent, with every host call it made. */
export const CellSchema = lazySchema(() => z.object({
  /** 0-based position in the agent's cells. */
  index: z.number().int().nonnegative(),
  code: z.string(),
  calls: z.array(real(HostCallSchema)),
  /** Output as shown to the model: head + tail when longer than `maxOutputChars`. */
  output: z.string(),
  /** True length of the output in characters, before truncation. */
  outputChars: z.number().int().nonnegative(),
  /** Rich displays (images), when the runtime reports them (Jupyter). */
  displays: z.array(real(DisplaySchema)).optional(),
  status: real(CellStatusSchema),
  error: real(CellErrorSchema).nullable(),
  /** Names the cell bound (or rebound), with their fingerprints; absent when the runtime did not report them. */
  bound: z.array(real(BoundNameSchema)).optional(),
}));
/** One executed cell. */
export type Cell = z.infer<typeof CellSchema>;

/**
 * One turn of a session (or one task of a persistent agent): a query and its input given to an
 * agent that goes on with the same REPL and conversation. `messageStart` and `cellStart` say
 * where the turn begins in the agent's `messages` and `cells`, so earlier turns can be compacted
 * in prompts and the REPL rebuilt turn by turn.
 */
export const TurnSchema = lazySchema(() => z.object({
  /** 0-based position in the agent's turns. */
  index: z.number().int().nonnegative(),
  query: z.string(),
  /** Bound to `CONTEXT` during the turn (and to `CONTEXTS[index]`). */
  context: real(ContextSchema),
  /** Index in `messages` of the turn's first user message. */
  messageStart: z.number().int().nonnegative(),
  /** Index in `cells` of the turn's first cell. */
  cellStart: z.number().int().nonnegative(),
  /** The step of the run at which the turn began. */
  startStep: z.number().int().nonnegative(),
  /** The turn's answer (what `done()` got), null until it finished with one. */
  result: real(JsonSchema).nullable(),
  /** Why the turn ended without an answer. */
  error: real(AgentErrorSchema).nullable(),
  /** JSON Schema the turn's `done()` value must match (a typed turn); absent: any value. */
  resultSchema: real(JsonSchema).optional(),
  /**
   * `queued`: a task given to a busy agent, waiting its turn; `running`; `finished`. Absent in
   * states written before tasks existed (the last turn then runs until the agent finishes).
   */
  status: z.enum(['queued', 'running', 'finished']).optional(),
}));
/** One turn of a session. */
export type Turn = z.infer<typeof TurnSchema>;

/**
 * How earlier turns are cut in the messages sent to the model (the state keeps them whole, and so
 * does the REPL's `HISTORY`). Defaults follow openrlm's 20 lines / 1 KB per cell output.
 */
export const CompactionSchema = lazySchema(() => z.object({
  /** Off: every message of every turn is sent as it is. */
  enabled: z.boolean(),
  /** Lines of an earlier turn's cell-output message kept (head). */
  maxLines: z.number().int().positive(),
  /** UTF-8 bytes of an earlier turn's cell-output message kept. */
  maxBytes: z.number().int().positive(),
  /**
   * Estimated tokens (chars / 4) of earlier turns' messages sent at most; the oldest are dropped
   * first (replaced by one note pointing at `HISTORY`). null: no token budget.
   */
  historyTokens: z.number().int().positive().nullable(),
}));
/** How earlier turns are cut in prompts. */
export type Compaction = z.infer<typeof CompactionSchema>;

/** What makes a run a session: it takes further turns after its root finishes. */
export const SessionConfigSchema = lazySchema(() => z.object({
  compaction: real(CompactionSchema),
}));
/** What makes a run a session. */
export type SessionConfig = z.infer<typeof SessionConfigSchema>;

/** The four states of an agent (DESIGN.md section 1). */
export const AgentStatusSchema = lazySchema(() => z.enum(['READY', 'EXECUTING', 'SUPERVISING', 'FINISHED']));
/** The four states of an agent. */
export type AgentStatus = z.infer<typeof AgentStatusSchema>;

/** One agent of the tree. */
export const AgentNodeSchema = lazySchema(() => z.object({
  /** Dotted path: `root`, `root.part_0`, `root.part_0.chunk_3`. */
  id: z.string(),
  /** The name given to `delegate` (`root` for the root). */
  name: z.string(),
  parentId: z.string().nullable(),
  depth: z.number().int().nonnegative(),
  query: z.string(),
  context: real(ContextSchema),
  /**
   * For a list context read from a folder: each document's relative path, parallel to `context`
   * (bound in the REPL as `PATHS` and `CONTEXT[i].path`, and named in the prompt).
   */
  contextPaths: z.array(z.string()).optional(),
  status: real(AgentStatusSchema),
  /** Model replies received so far. */
  iteration: z.number().int().nonnegative(),
  messages: z.array(real(ChatMessageSchema)),
  /** Code of the last reply, waiting to run (EXECUTING only). */
  pendingCode: z.string().nullable(),
  cells: z.array(real(CellSchema)),
  /** Ids of delegated children, in delegation order. */
  children: z.array(z.string()),
  /** Ids of the children a suspended cell waits for (SUPERVISING only). */
  awaiting: z.array(z.string()),
  /** The value passed to `done(...)` (FINISHED without error only). */
  result: real(JsonSchema).nullable(),
  error: real(AgentErrorSchema).nullable(),
  /** This agent's own model calls and sub-calls (children not included). */
  usage: real(UsageSchema),
  /** Turns (tasks) of an agent that goes on after it finished; absent for a one-task agent. */
  turns: z.array(real(TurnSchema)).optional(),
}));
/** One agent of the tree. */
export type AgentNode = z.infer<typeof AgentNodeSchema>;

/**
 * A host tool as the state records it (run config). Tools made with `tool()` carry their Python
 * signature and `def` and the depths that get them; plain tools only a name and a description.
 */
export const ToolSpecSchema = lazySchema(() => z.object({
  name: z.string(),
  description: z.string(),
  /** `name(a: str, b: int = 10) -> list`, shown in the prompt. */
  signature: z.string().optional(),
  /** The Python `def` bound in the REPL. */
  stub: z.string().optional(),
  /** Lowest agent depth that gets the tool (root = 0). */
  minDepth: z.number().int().nonnegative().optional(),
  /** Highest agent depth that gets the tool. */
  maxDepth: z.number().int().nonnegative().optional(),
}));
/** A host tool as the state records it. */
export type ToolSpecRecord = z.infer<typeof ToolSpecSchema>;

/** Version of the state format; files carry it and readers check it. */
export const STATE_FORMAT_VERSION = 1;

/** A whole run at one step boundary. */
export const RunStateSchema = lazySchema(() => z.object({
  format: z.literal('rlmtree.state'),
  version: z.literal(STATE_FORMAT_VERSION),
  runId: z.string(),
  /** Steps taken so far. */
  step: z.number().int().nonnegative(),
  /** Wall time spent inside steps so far (ms); what `maxWallClockMs` is checked against. */
  elapsedMs: z.number().nonnegative(),
  limits: real(LimitsSchema),
  /** Host tools agent code can call (their functions live in the engine, not in the state). */
  tools: z.array(real(ToolSpecSchema)),
  /**
   * JSON Schema (draft 2020-12) the root's `done()` value must match, when the run was given a
   * result schema (see `result.ts`); absent: any JSON value is an answer.
   */
  resultSchema: real(JsonSchema).optional(),
  /**
   * Which prompt version, variant and custom template the run's agents are prompted with; every
   * text the reducer adds to a conversation is derived from it. Absent: version 1 (states made
   * before prompts were versioned).
   */
  prompt: real(PromptConfigSchema).optional(),
  rootId: z.string(),
  /** Every agent, by id. */
  nodes: z.record(z.string(), real(AgentNodeSchema)),
  /** Present when the run is a session: the root takes further turns (`turn_started`). */
  session: real(SessionConfigSchema).optional(),
  /**
   * Events folded between steps since the last step (interventions, a session's new turn), in
   * order: kept in the state so they survive any round trip (a checkpoint, a state file) and a
   * trace writer records them at the start of the next step's line. Cleared by `step_ended`;
   * absent when none. Each entry is checked against the event schemas on read (`checkState`).
   */
  pending: z.array(z.looseObject({ type: z.enum(['intervened', 'turn_started']), agentId: z.string() })).optional(),
}));
/** A whole run at one step boundary. */
export type RunState = z.infer<typeof RunStateSchema>;
