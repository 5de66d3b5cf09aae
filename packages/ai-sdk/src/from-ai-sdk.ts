/**
 * `fromAISDK(model)`: any Vercel AI SDK language model (`@ai-sdk/openai`, `@ai-sdk/google`,
 * `@ai-sdk/mistral`, `@ai-sdk/groq`, `@ai-sdk/amazon-bedrock`, `ollama-ai-provider`, … — any
 * object of the provider specification, v2 to v4) as an rlmtree `LLMClient`, so it can be the root
 * model, the sub-model or both of an RLM.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JSONSchema7, LanguageModelV2, LanguageModelV3, LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4StreamPart, SharedV4ProviderOptions } from '@ai-sdk/provider';
import { LLMError, prices as defaultPrices, type Completion, type CompletionRequest, type LLMClient, type PriceTable } from '@rlmtree/core';
import { isRetryable, toLLMError } from './errors.ts';
import { toPrompt } from './prompt.ts';
import { usageFrom } from './usage.ts';

/** A language model of the AI SDK's provider specification (what `openai('gpt-5')` and friends return). */
export type AISDKLanguageModel = LanguageModelV4 | LanguageModelV3 | LanguageModelV2;

/** Options of `fromAISDK`. */
export interface FromAISDKOptions {
  /** Name in logs and traces (default `ai-sdk:<provider>/<modelId>`). */
  name?: string;
  /** `maxOutputTokens` of every call. */
  maxOutputTokens?: number;
  /** `temperature` of every call. */
  temperature?: number;
  /** Provider-specific options of every call, keyed by provider (e.g. `{ openai: { reasoningEffort: 'low' } }`). */
  providerOptions?: SharedV4ProviderOptions;
  /** Retries of a call the AI SDK marks retryable (408, 409, 429, 5xx), with exponential backoff (default 2). */
  maxRetries?: number;
  /** The first retry's delay (ms, default 1000); each later one doubles it. */
  retryDelayMs?: number;
  /** Prices for `Usage.costUsd`, looked up by `modelId` (default: core's shared `prices` table). */
  prices?: PriceTable;
}

/**
 * Wraps an AI SDK model as an `LLMClient`. Streams (`doStream`) when the request has `onToken`,
 * else calls `doGenerate`. Usage is the provider's (input, output, cache reads and writes), priced
 * by `prices`. A request's `responseFormat` is passed as `responseFormat: {type: "json", schema,
 * name}`; a provider that warns it does not support it makes the call reject with `unsupported`.
 * @returns a client whose `complete` rejects with `LLMError`: `http` (a provider status, after
 * retries), `timeout`, `aborted`, `malformed` (no text, a response that does not parse),
 * `unsupported` (a response format the model ignores; not retried), `other`.
 */
export function fromAISDK(model: AISDKLanguageModel, options: FromAISDKOptions = {}): LLMClient {
  const name = options.name ?? `ai-sdk:${model.provider}/${model.modelId}`;
  const prices = options.prices ?? defaultPrices;
  const maxRetries = options.maxRetries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  // The v2–v4 call options share these fields; the cast is the one place the versions meet.
  const v4 = model as LanguageModelV4;

  const callOptions = (request: CompletionRequest): LanguageModelV4CallOptions => ({
    prompt: toPrompt(request.messages),
    ...(options.maxOutputTokens !== undefined ? { maxOutputTokens: options.maxOutputTokens } : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    ...(options.providerOptions ? { providerOptions: options.providerOptions } : {}),
    ...(request.signal ? { abortSignal: request.signal } : {}),
    ...(request.responseFormat ? { responseFormat: { type: 'json' as const, schema: request.responseFormat.schema as JSONSchema7, name: request.responseFormat.name } } : {}),
  });

  /** A structured request whose provider warned that it ignores `responseFormat`: say so rather than return plain text. */
  const refuseIgnoredFormat = (request: CompletionRequest, warnings: unknown): void => {
    if (!request.responseFormat || !Array.isArray(warnings)) return;
    const ignored = (warnings as { type?: string; feature?: string; setting?: string; details?: string }[]).find(
      (w) => (w.type === 'unsupported' && w.feature === 'responseFormat') || (w.type === 'unsupported-setting' && w.setting === 'responseFormat'),
    );
    if (ignored) throw new LLMError('unsupported', `${name}: the model does not support a JSON schema response format${ignored.details ? ` (${ignored.details})` : ''}`);
  };

  const once = async (request: CompletionRequest): Promise<Completion> => {
    if (!request.onToken) {
      const result = await v4.doGenerate(callOptions(request));
      refuseIgnoredFormat(request, result.warnings);
      const text = result.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
      if (!text) throw new LLMError('malformed', `${name}: the reply has no text`);
      return { text, usage: usageFrom(result.usage, model.modelId, prices), model: result.response?.modelId ?? model.modelId };
    }
    const { stream } = await v4.doStream(callOptions(request));
    let text = '';
    let usage: unknown;
    let modelId: string | undefined;
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const part = value as LanguageModelV4StreamPart;
      if (part.type === 'stream-start') refuseIgnoredFormat(request, part.warnings);
      else if (part.type === 'text-delta') {
        text += part.delta;
        request.onToken(part.delta);
      } else if (part.type === 'finish') usage = part.usage;
      else if (part.type === 'response-metadata' && part.modelId) modelId = part.modelId;
      else if (part.type === 'error') throw part.error;
    }
    if (!text) throw new LLMError('malformed', `${name}: the streamed reply has no text`);
    return { text, usage: usageFrom(usage, model.modelId, prices), model: modelId ?? model.modelId };
  };

  return {
    name,
    async complete(request: CompletionRequest): Promise<Completion> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await once(request);
        } catch (err) {
          if (request.signal?.aborted) throw new LLMError('aborted', `${name}: the call was aborted`, { cause: err });
          if (attempt >= maxRetries || !isRetryable(err)) throw toLLMError(err, name);
          await sleep(retryDelayMs * 2 ** attempt, undefined, request.signal ? { signal: request.signal } : {}).catch(() => {});
        }
      }
    },
  };
}
