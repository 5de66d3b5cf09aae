/**
 * `RLM`: a Recursive Language Model that is itself an `LLMClient`. `complete({messages})` runs
 * a whole agent tree over the conversation and returns the root's answer with the whole tree's
 * usage, so anything written against `LLMClient` can take an RLM, and an RLM can be the model of
 * another RLM.
 */
import { z } from './schema/zod.ts';
import { Engine, type EngineOptions, type RunOptions } from './engine/engine.ts';
import type { EngineListener } from './engine/events.ts';
import { totalUsage } from './limits.ts';
import { LLMError, type Completion, type CompletionRequest, type LLMClient } from './llm/client.ts';
import type { PromptOptions } from './prompts/config.ts';
import { resultOf, type ResultOf, type ResultSchema, type TypedRunState } from './result.ts';
import type { ChatMessage, Compaction, Context, Limits, RunState } from './schema/state.ts';
import { Session, TurnFailedError } from './session/session.ts';
import { continuation } from './session/conversation.ts';

/** Options of an RLM: the engine's, plus limits and a per-step callback for every run. */
export interface RLMOptions extends EngineOptions {
  /** Limits of each run (defaults: `DEFAULT_LIMITS`). */
  limits?: Partial<Limits>;
  /** How each run's agents are prompted (variant, template, per-depth; see `prompts/config.ts`). */
  prompt?: PromptOptions;
  /** Called after every step of every run. */
  onStep?: RunOptions['onStep'];
  /** Name in logs (default `rlm(<root model name>)`). */
  name?: string;
  /**
   * Keep a session across `complete` calls: a request that repeats the previous conversation
   * and its answer and adds a user message is the session's next turn (same REPL, same tree);
   * any other request starts a new session. `true`, or the compaction settings to use.
   * `close()` closes the session's REPLs.
   */
  session?: boolean | { compaction?: Partial<Compaction> };
}

/** The outcome of `RLM.run`: the answer as text and as a value, and the final state. */
export interface RLMRun<T = ResultOf<undefined>> {
  /** The root's result as text (JSON for non-string results). */
  answer: string;
  /** The root's result as a value: the result schema's output type when one was given. */
  result: T;
  state: TypedRunState<T>;
}

/** Options of one `RLM.run`. */
export interface RLMRunOptions<S extends ResultSchema | undefined = undefined> {
  /** A zod schema the answer must satisfy (see `InitOptions.result`). */
  result?: S;
  /** Cancels the run. */
  signal?: AbortSignal;
  /** Called with every engine event of the run (progress for streamed answers, live views). */
  onEvent?: EngineListener<'*'>;
}

/** The root's result as text, or the LLMError saying why there is none. */
export function answerOf(state: RunState): string {
  const root = state.nodes[state.rootId]!;
  if (root.status !== 'FINISHED') throw new LLMError('other', `the run has not finished (root is ${root.status})`);
  if (root.error) throw new LLMError('other', `the RLM ended without an answer: ${root.error.kind}: ${root.error.message}`);
  return typeof root.result === 'string' ? root.result : JSON.stringify(root.result);
}

/**
 * The query and context an RLM takes from a conversation: the query is the last user message;
 * the context is the earlier messages (system included) rendered as `role: content` blocks, or
 * the last message itself when it is the only one.
 */
export function conversationToTask(messages: readonly ChatMessage[]): { query: string; context: Context } {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  if (!lastUser) throw new LLMError('malformed', 'RLM.complete: the messages hold no user message');
  const rest = messages.filter((m) => m !== lastUser);
  if (rest.length === 0) return { query: lastUser.content, context: lastUser.content };
  return { query: lastUser.content, context: rest.map((m) => `${m.role}: ${m.content}`).join('\n\n') };
}

/** A Recursive Language Model usable wherever an `LLMClient` is. */
export class RLM implements LLMClient {
  readonly name: string;

  private readonly options: RLMOptions;

  /** @param options engine options (models, runtime, tools) plus limits. */
  constructor(options: RLMOptions) {
    this.options = options;
    this.name = options.name ?? `rlm(${options.llm.name ?? 'model'})`;
  }

  /**
   * Runs one tree for `query` over `context`. With `options.result` the answer is checked against
   * that schema and `result` has its type.
   * @throws LLMError when the root ends without an answer (a limit, a model failure).
   */
  async run<S extends ResultSchema | undefined = undefined>(query: string, context: Context, options: RLMRunOptions<S> = {}): Promise<RLMRun<ResultOf<S>>> {
    const { signal, result, onEvent } = options;
    const engine = new Engine({ ...this.options, ...(signal ? { signal } : {}) });
    if (onEvent) engine.on('*', onEvent);
    try {
      const state = await engine.run(query, context, {
        ...(this.options.limits ? { limits: this.options.limits } : {}),
        ...(this.options.prompt ? { prompt: this.options.prompt } : {}),
        ...(this.options.onStep ? { onStep: this.options.onStep } : {}),
        ...(result ? { result } : {}),
      });
      try {
        return { answer: answerOf(state), result: resultOf(state) as ResultOf<S>, state };
      } catch (err) {
        const e = err as LLMError;
        throw new LLMError(e.kind, `${this.name}: ${e.message}`, { cause: state });
      }
    } finally {
      await engine.close();
    }
  }

  /**
   * Runs a tree over the conversation (see `conversationToTask`) and returns the root's answer.
   * Usage is the whole tree's. With `request.result` the answer is checked against that schema
   * (wrong shapes are refused back to the model) and the text is the value as JSON; a
   * `request.responseFormat` (e.g. an RLM as the sub-model of `llm_query(prompt, schema=...)`)
   * becomes that result schema, and the text is always JSON then (a string answer quoted).
   * @throws LLMError when the root ends without an answer (a limit, a model failure), or
   *   (`unsupported`) when the response format's JSON Schema has no zod equivalent.
   */
  async complete(request: CompletionRequest): Promise<Completion> {
    if (this.options.session) return this.completeInSession(request);
    const { query, context } = conversationToTask(request.messages);
    const result = this.resultSchemaOf(request);
    const { answer, state } = await this.run(query, context, {
      ...(request.signal ? { signal: request.signal } : {}),
      ...(result ? { result } : {}),
    });
    const text = request.responseFormat ? JSON.stringify(resultOf(state)) : answer;
    request.onToken?.(text);
    return { text, usage: totalUsage(state), model: this.name };
  }

  /** The typed result a request asks for: its zod `result`, else its `responseFormat`'s JSON Schema as zod. */
  private resultSchemaOf(request: CompletionRequest): z.ZodType | undefined {
    if (request.result || !request.responseFormat) return request.result;
    try {
      return z.fromJSONSchema(request.responseFormat.schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (err) {
      throw new LLMError('unsupported', `${this.name}: the response format's JSON Schema cannot be checked as a typed result: ${(err as Error).message}`);
    }
  }

  /** The session of session mode (null before the first `complete` or after `close`). */
  get session(): Session | null {
    return this.current?.session ?? null;
  }

  /** Closes the session of session mode (its REPLs), if any. Never rejects. */
  async close(): Promise<void> {
    const current = this.current;
    this.current = null;
    await current?.session.close();
  }

  private current: { session: Session; conversation: ChatMessage[] } | null = null;

  private async completeInSession(request: CompletionRequest): Promise<Completion> {
    const next = this.current ? continuation(this.current.conversation, request.messages) : null;
    if (!next) await this.close();
    const compaction = typeof this.options.session === 'object' ? this.options.session.compaction : undefined;
    const session =
      this.current?.session ??
      Session.create({ ...this.options, ...(compaction ? { compaction } : {}) });
    const task = next ?? conversationToTask(request.messages);
    const result = this.resultSchemaOf(request);
    try {
      const turn = await session.send(task.query, {
        ...(task.context !== null ? { context: task.context } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
        ...(result ? { result } : {}),
      });
      const text = request.responseFormat ? JSON.stringify(turn.result) : turn.answer;
      this.current = { session, conversation: [...request.messages, { role: 'assistant', content: text }] };
      request.onToken?.(text);
      return { text, usage: turn.usage, model: this.name };
    } catch (err) {
      if (err instanceof TurnFailedError) {
        this.current = { session, conversation: [...request.messages] };
        throw new LLMError('other', `${this.name}: the RLM ended without an answer: ${err.error.kind}: ${err.error.message}`, { cause: err.state });
      }
      if (!this.current) await session.close();
      throw err;
    }
  }
}
