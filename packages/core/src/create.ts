/** Making the initial state of a run. */
import { DEFAULT_LIMITS } from './limits.ts';
import { newAgent } from './reduce.ts';
import { promptConfig, type PromptOptions } from './prompts/config.ts';
import { LimitsSchema, STATE_FORMAT_VERSION, ToolSpecSchema, type Context, type Json, type Limits, type ToolSpecRecord, type RunState } from './schema/state.ts';
import { freeze } from 'immer';
import { nodeCrypto } from './util/builtins.ts';
import { quickParse } from './schema/fast-path.ts';

/** Options of `createRun`. */
export interface CreateRunOptions {
  /** Overrides of `DEFAULT_LIMITS`. */
  limits?: Partial<Limits>;
  /** Host tools to announce to agents: a name and a description, and for `tool()` tools their Python signature, `def` and depths. */
  tools?: readonly ToolSpecRecord[];
  /**
   * How agents are prompted: a built-in variant, a custom template with slots, per-depth prompts
   * (see `prompts/config.ts`). Recorded in the state with the current `PROMPT_VERSION`.
   */
  prompt?: PromptOptions;
  /** JSON Schema the root's `done()` value must match (see `recordResultSchema`). */
  resultSchema?: Json;
  /** Relative paths of the documents of a list context (a folder), parallel to it. */
  contextPaths?: readonly string[];
  /** Run id (default: a random UUID). */
  runId?: string;
}

/**
 * The state of a new run at step 0: one READY root agent holding `query` and `context`.
 * @throws Error when a limit is out of range (e.g. `maxIterations: 0`), naming it.
 * @throws PromptConfigError when the prompt options are malformed (an unknown variant or slot).
 */
export function createRun(query: string, context: Context, options: CreateRunOptions = {}): RunState {
  const parsed = quickParse(LimitsSchema, { ...DEFAULT_LIMITS, ...options.limits });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`createRun: bad limit ${issue.path.join('.')}: ${issue.message}`);
  }
  const limits = parsed.data;
  const tools = (options.tools ?? []).map((t) => ToolSpecSchema.parse(t));
  const resultSchema = options.resultSchema;
  const prompt = promptConfig(options.prompt);
  const paths = options.contextPaths;
  if (paths && (!Array.isArray(context) || paths.length !== context.length)) {
    throw new Error(`createRun: contextPaths names ${paths.length} documents but the context is ${Array.isArray(context) ? `a list of ${context.length}` : 'one str'}`);
  }
  const root = newAgent({ id: 'root', name: 'root', parentId: null, depth: 0, query, context, limits, tools, prompt, ...(resultSchema !== undefined ? { resultSchema } : {}), ...(paths ? { contextPaths: [...paths] } : {}) });
  return freeze(
    {
      format: 'rlmtree.state',
      version: STATE_FORMAT_VERSION,
      runId: options.runId ?? nodeCrypto().randomUUID(),
      step: 0,
      elapsedMs: 0,
      limits,
      tools,
      ...(resultSchema !== undefined ? { resultSchema } : {}),
      prompt,
      rootId: 'root',
      nodes: { root },
    },
    true,
  );
}
