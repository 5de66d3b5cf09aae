/**
 * `AnthropicClient`: core's `LLMClient` on the official `@anthropic-ai/sdk` Messages API, with
 * the system prompt split out, `max_tokens` set, and prompt caching of the stable prefix.
 */
import Anthropic, { APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming, MessageParam, TextBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { causeChain, DEFAULT_MODEL_TIMEOUT_MS, LLMError, prices as defaultPrices, type ChatMessage, type Completion, type CompletionRequest, type LLMClient, type PriceTable, type Usage } from '@rlmtree/core';

/** Options of an `AnthropicClient`. */
export interface AnthropicClientOptions {
  /** Model sent when a request names none, e.g. `claude-sonnet-4-5`. */
  model: string;
  /** API key (default `ANTHROPIC_API_KEY`). With neither, no key header is sent (local servers). */
  apiKey?: string;
  /** Base URL without `/v1` (default `ANTHROPIC_BASE_URL`, then `https://api.anthropic.com`). */
  baseURL?: string;
  /** `max_tokens`, the API's required cap on output tokens (default 8192, which every current Claude model allows). */
  maxTokens?: number;
  /**
   * Marks the stable prefix (system prompt and first user message) with `cache_control`, so
   * repeated calls of an agent read it from the cache (default true). The API caches a prefix
   * only above a model's minimum length (1,024 tokens for most models); shorter ones are sent
   * as usual.
   */
  promptCaching?: boolean;
  /** Extended thinking: `budget_tokens` for reasoning, counted in `max_tokens`. */
  thinkingBudgetTokens?: number;
  /** Fields merged into every request body as they are (e.g. `temperature`). */
  extraBody?: Record<string, unknown>;
  /** Time one HTTP attempt may take (ms, default core's `DEFAULT_MODEL_TIMEOUT_MS`, 120,000). */
  timeoutMs?: number;
  /** Retries after a timeout, connection error, 408, 409, 429 or 5xx, with the SDK's backoff (default 2). */
  maxRetries?: number;
  /** Prices for `Usage.costUsd` (default: core's shared `prices` table). */
  prices?: PriceTable;
  /** Name in logs and traces (default `anthropic:<model>`). */
  name?: string;
}

const EPHEMERAL = { type: 'ephemeral' } as const;

/**
 * The request body parts for a conversation: system messages joined into `system`, consecutive
 * messages of one role merged (the API wants user and assistant turns alternating), and, with
 * `caching`, `cache_control` on the system block and on the first user message. Pure.
 */
export function toAnthropicMessages(messages: readonly ChatMessage[], caching: boolean): { system?: TextBlockParam[]; messages: MessageParam[] } {
  const systemText = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const turns: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const last = turns[turns.length - 1];
    if (last && last.role === m.role) last.content += `\n\n${m.content}`;
    else turns.push({ role: m.role, content: m.content });
  }
  const out: MessageParam[] = turns.map((t, i) =>
    caching && i === 0 && t.role === 'user' ? { role: t.role, content: [{ type: 'text', text: t.content, cache_control: EPHEMERAL }] } : { role: t.role, content: t.content },
  );
  if (!systemText) return { messages: out };
  return { system: [{ type: 'text', text: systemText, ...(caching ? { cache_control: EPHEMERAL } : {}) }], messages: out };
}

/**
 * A Claude model through the Messages API. Streams when the request has `onToken`. A request's
 * `responseFormat` is sent as `output_config: {format: {type: "json_schema", schema}}` (structured
 * outputs; a model without them answers HTTP 400, an `http` error). Rejects with
 * `LLMError`: `http` (status after retries), `timeout`, `aborted`, `malformed` (no text in the
 * reply, a body that is not JSON), `other` (connection).
 */
export class AnthropicClient implements LLMClient {
  readonly name: string;
  /** The SDK client (base URL, key, retries and timeout applied). */
  readonly sdk: Anthropic;
  private readonly options: AnthropicClientOptions;

  /** @throws Error when `model` is empty. */
  constructor(options: AnthropicClientOptions) {
    if (!options.model) throw new Error('AnthropicClient: options.model is required (e.g. "claude-sonnet-4-5")');
    this.options = options;
    this.name = options.name ?? `anthropic:${options.model}`;
    const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
    this.sdk = new Anthropic({
      // With no key, null both credentials and omit the auth header explicitly (the SDK's way to say "none").
      apiKey: apiKey || null,
      authToken: null,
      ...(apiKey ? {} : { defaultHeaders: { Authorization: null } }),
      baseURL: options.baseURL ?? process.env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com',
      maxRetries: options.maxRetries ?? 2,
      timeout: options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS,
    });
  }

  /** Sends the conversation; see the class comment for how it fails. */
  async complete(request: CompletionRequest): Promise<Completion> {
    const model = request.model ?? this.options.model;
    const where = `${this.name}${request.model && request.model !== this.options.model ? ` (model ${request.model})` : ''}`;
    const body: MessageCreateParamsNonStreaming = {
      ...this.options.extraBody,
      model,
      max_tokens: request.maxTokens ?? this.options.maxTokens ?? 8192,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...toAnthropicMessages(request.messages, this.options.promptCaching ?? true),
      ...(this.options.thinkingBudgetTokens ? { thinking: { type: 'enabled', budget_tokens: this.options.thinkingBudgetTokens } } : {}),
      // Structured outputs (https://platform.claude.com/docs/en/build-with-claude/structured-outputs).
      ...(request.responseFormat ? { output_config: { format: { type: 'json_schema', schema: request.responseFormat.schema } } } : {}),
    };
    const options = request.signal ? { signal: request.signal } : {};
    try {
      let message: Anthropic.Message;
      if (request.onToken) {
        const onToken = request.onToken;
        const stream = this.sdk.messages.stream(body, options);
        stream.on('text', (fragment) => {
          if (fragment) onToken(fragment);
        });
        message = await stream.finalMessage();
      } else {
        message = await this.sdk.messages.create(body, options);
      }
      if (!message || !Array.isArray(message.content)) throw new LLMError('malformed', `${where}: the response has no content list`);
      const text = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
      if (text.length === 0) throw new LLMError('malformed', `${where}: the reply has no text (stop_reason ${message.stop_reason ?? 'none'})`);
      const responseModel = message.model || model;
      return { text, usage: this.usageOf(message.usage, responseModel), model: responseModel };
    } catch (err) {
      throw toLLMError(err, where, this.sdk.baseURL);
    }
  }

  /**
   * Anthropic's `input_tokens` counts only tokens after the last cache breakpoint; ours counts
   * every input token, so cache reads and writes are added in (and reported as subsets).
   */
  private usageOf(u: Anthropic.Usage | undefined, model: string): Usage {
    const reads = u?.cache_read_input_tokens ?? 0;
    const writes = u?.cache_creation_input_tokens ?? 0;
    const tokens = { inputTokens: (u?.input_tokens ?? 0) + reads + writes, outputTokens: u?.output_tokens ?? 0, cachedTokens: reads, cacheWriteTokens: writes };
    return { ...tokens, costUsd: (this.options.prices ?? defaultPrices).cost(model, tokens), llmCalls: 1 };
  }
}

/**
 * Maps the SDK's errors (after its retries) to `LLMError` kinds; `where` names client and model.
 * A failure with no HTTP status names `url` and the causes under it (`causeChain`).
 */
export function toLLMError(err: unknown, where: string, url?: string): LLMError {
  const at = (message: string) => {
    const causes = causeChain(err);
    return url || causes ? `${message} (${[url, causes].filter(Boolean).join(': ')})` : message;
  };
  if (err instanceof LLMError) return err;
  if (err instanceof APIUserAbortError || (err as Error)?.name === 'AbortError') return new LLMError('aborted', `${where}: the call was aborted`, { cause: err });
  if (err instanceof APIConnectionTimeoutError) return new LLMError('timeout', at(`${where}: the request timed out (after retries)`), { cause: err });
  if (err instanceof APIError && err.status !== undefined) return new LLMError('http', `${where}: HTTP ${err.status}: ${err.message}`, { status: err.status, cause: err });
  if (err instanceof SyntaxError) return new LLMError('malformed', `${where}: the response is not valid JSON: ${err.message}`, { cause: err });
  return new LLMError('other', at(`${where}: ${err instanceof Error ? err.message : String(err)}`), { cause: err });
}
