/**
 * `OpenAIClient`: core's `LLMClient` on the official `openai` SDK's chat completions, for OpenAI
 * and any OpenAI-compatible server (vLLM, Ollama, llama.cpp's server, OpenRouter).
 */
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { DEFAULT_MODEL_TIMEOUT_MS, LLMError, prices as defaultPrices, type Completion, type CompletionRequest, type LLMClient, type PriceTable, type Usage } from '@rlmtree/core';
import { toLLMError } from './errors.ts';

/** Options of an `OpenAIClient`. */
export interface OpenAIClientOptions {
  /** Model name sent when a request names none, e.g. `gpt-5`. */
  model: string;
  /** API key (default `OPENAI_API_KEY`). With neither, no `Authorization` header is sent (local servers). */
  apiKey?: string;
  /** Base URL including `/v1` (default `OPENAI_BASE_URL`, then `https://api.openai.com/v1`). */
  baseURL?: string;
  /** Reasoning models: `reasoning_effort` (e.g. `minimal`, `low`, `medium`, `high`). */
  reasoningEffort?: OpenAI.Chat.ChatCompletionReasoningEffort;
  /** `max_completion_tokens`: cap on output tokens, reasoning tokens included. */
  maxCompletionTokens?: number;
  /** Fields merged into every request body as they are (e.g. `temperature`, `verbosity`, a server's own options). */
  extraBody?: Record<string, unknown>;
  /** Time one HTTP attempt may take (ms, default core's `DEFAULT_MODEL_TIMEOUT_MS`, 120,000). */
  timeoutMs?: number;
  /** Retries after a timeout, connection error, 408, 409, 429 or 5xx, with the SDK's backoff (default 2). */
  maxRetries?: number;
  /** Prices for `Usage.costUsd` (default: core's shared `prices` table). */
  prices?: PriceTable;
  /** Name in logs and traces (default `openai:<model>`). */
  name?: string;
}

/**
 * A chat model behind an OpenAI-compatible endpoint. Streams when the request has `onToken`.
 * A request's `responseFormat` is sent as `response_format: {type: "json_schema", json_schema:
 * {name, schema, strict}}` (a server without structured outputs answers HTTP 400, an `http` error).
 * A refusal (`message.refusal`) is a `malformed` error naming it.
 * Rejects with `LLMError`: `http` (status after retries), `timeout`, `aborted`, `malformed`
 * (no choices, empty or non-text content, a body that is not JSON), `other` (connection).
 */
export class OpenAIClient implements LLMClient {
  readonly name: string;
  /** The SDK client (base URL, key, retries and timeout already applied). */
  readonly sdk: OpenAI;
  private readonly options: OpenAIClientOptions;

  /** @throws Error when `model` is empty. */
  constructor(options: OpenAIClientOptions) {
    if (!options.model) throw new Error('OpenAIClient: options.model is required (e.g. "gpt-5")');
    this.options = options;
    this.name = options.name ?? `openai:${options.model}`;
    const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY;
    this.sdk = new OpenAI({
      // The SDK insists on a credential; with none we give a placeholder and strip the header,
      // so local servers that reject unknown keys are not sent one.
      apiKey: apiKey || 'no-key',
      ...(apiKey ? {} : { defaultHeaders: { Authorization: null } }),
      baseURL: options.baseURL ?? process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
      maxRetries: options.maxRetries ?? 2,
      timeout: options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS,
    });
  }

  /** Sends the conversation; see the class comment for how it fails. */
  async complete(request: CompletionRequest): Promise<Completion> {
    const model = request.model ?? this.options.model;
    const where = `${this.name}${request.model && request.model !== this.options.model ? ` (model ${request.model})` : ''}`;
    const body: ChatCompletionCreateParamsNonStreaming = {
      ...this.options.extraBody,
      model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...(this.options.reasoningEffort ? { reasoning_effort: this.options.reasoningEffort } : {}),
      ...(request.maxTokens ?? this.options.maxCompletionTokens ? { max_completion_tokens: request.maxTokens ?? this.options.maxCompletionTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      // Structured outputs (https://platform.openai.com/docs/guides/structured-outputs).
      ...(request.responseFormat
        ? { response_format: { type: 'json_schema', json_schema: { name: request.responseFormat.name, schema: request.responseFormat.schema, strict: request.responseFormat.strict } } }
        : {}),
    };
    const signal = request.signal;
    try {
      if (request.onToken) return await this.stream(body, request.onToken, where, signal);
      const res = await this.sdk.chat.completions.create(body, signal ? { signal } : {});
      const choice = res?.choices?.[0];
      if (!choice) throw new LLMError('malformed', `${where}: the response has no choices`);
      const text = choice.message?.content;
      const refusal = (choice.message as { refusal?: string | null } | undefined)?.refusal;
      if (refusal) throw new LLMError('malformed', `${where}: the model refused: ${refusal}`);
      if (typeof text !== 'string' || text.length === 0) {
        throw new LLMError('malformed', `${where}: the reply is empty (finish_reason ${choice.finish_reason ?? 'none'})`);
      }
      const responseModel = res.model || model;
      return { text, usage: this.usageOf(res.usage, responseModel), model: responseModel };
    } catch (err) {
      throw toLLMError(err, where, this.sdk.baseURL);
    }
  }

  private async stream(body: ChatCompletionCreateParamsNonStreaming, onToken: (fragment: string) => void, where: string, signal?: AbortSignal): Promise<Completion> {
    const stream = await this.sdk.chat.completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } },
      signal ? { signal } : {},
    );
    let text = '';
    let usage: ChatCompletionChunk['usage'] = undefined;
    let model = body.model;
    let finish: string | null = null;
    for await (const chunk of stream) {
      if (chunk.model) model = chunk.model;
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      const fragment = choice?.delta?.content;
      if (typeof fragment === 'string' && fragment.length > 0) {
        text += fragment;
        onToken(fragment);
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    if (text.length === 0) throw new LLMError('malformed', `${where}: the streamed reply is empty (finish_reason ${finish ?? 'none'})`);
    return { text, usage: this.usageOf(usage, model), model };
  }

  /** Tokens from the provider's usage block; cost from the price table. Missing usage counts as 0 tokens. */
  private usageOf(u: OpenAI.CompletionUsage | null | undefined, model: string): Usage {
    const inputTokens = u?.prompt_tokens ?? 0;
    const outputTokens = u?.completion_tokens ?? 0;
    const cachedTokens = Math.min(inputTokens, u?.prompt_tokens_details?.cached_tokens ?? 0);
    const tokens = { inputTokens, outputTokens, cachedTokens };
    return { ...tokens, costUsd: (this.options.prices ?? defaultPrices).cost(model, tokens), llmCalls: 1 };
  }
}
