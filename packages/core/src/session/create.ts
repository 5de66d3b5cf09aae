/** Making the initial state of a session: a run whose root takes further turns. */
import { produce } from 'immer';
import { createRun, type CreateRunOptions } from '../create.ts';
import { specFor } from '../prompts/config.ts';
import { promptSetFor } from '../prompts/versions.ts';
import { CompactionSchema, type ChatMessage, type Compaction, type Context, type Json, type RunState } from '../schema/state.ts';

/** Compaction defaults: openrlm's 20 lines / 1 KB per earlier cell output; no token budget. */
export const DEFAULT_COMPACTION: Compaction = Object.freeze({ enabled: true, maxLines: 20, maxBytes: 1024, historyTokens: null });

/** Options of `createSession`. */
export interface CreateSessionOptions extends CreateRunOptions {
  /** Overrides of `DEFAULT_COMPACTION`. */
  compaction?: Partial<Compaction>;
  /** JSON Schema turn 0's answer must match (each later turn gives its own in `turn_started`). */
  turnResultSchema?: Json;
  /**
   * Earlier user/assistant messages the conversation starts with (e.g. `rlmtree chat --history`):
   * they sit between the system prompt and turn 0's query, and are in `HISTORY` from turn 0.
   */
  history?: readonly ChatMessage[];
}

/**
 * The state of a new session at step 0: `createRun`'s state whose root holds turn 0 (`query`
 * over `context`) and says in its system prompt that more turns may follow.
 * @throws Error naming the option when a limit or a compaction setting is out of range.
 */
export function createSession(query: string, context: Context, options: CreateSessionOptions = {}): RunState {
  const parsed = CompactionSchema.safeParse({ ...DEFAULT_COMPACTION, ...options.compaction });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`createSession: bad compaction.${issue.path.join('.')}: ${issue.message}`);
  }
  const { turnResultSchema, compaction: _c, history = [], ...runOptions } = options;
  const run = createRun(query, context, runOptions);
  return produce(run, (d) => {
    d.session = { compaction: parsed.data };
    const root = d.nodes[d.rootId]!;
    const prompts = promptSetFor(run.prompt);
    root.messages[0]!.content = prompts.system({ depth: 0, limits: d.limits, context, ...(run.nodes[run.rootId]!.contextPaths ? { contextPaths: run.nodes[run.rootId]!.contextPaths! } : {}), tools: d.tools, session: true }, specFor(run.prompt, 0));
    root.messages.splice(1, 0, ...history.map((m) => ({ role: m.role, content: m.content })));
    root.turns = [{ index: 0, query, context, messageStart: 1 + history.length, cellStart: 0, startStep: 0, result: null, error: null, status: 'running', ...(turnResultSchema !== undefined ? { resultSchema: turnResultSchema } : {}) }];
    if (turnResultSchema !== undefined) root.messages[1 + history.length]!.content += prompts.resultNote(turnResultSchema);
  });
}
