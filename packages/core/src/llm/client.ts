/**
 * The `LLMClient` interface: messages in, text and usage out.
 *
 * Every model rlmtree talks to (OpenAI, Anthropic, scripted, replayed, and an RLM itself) is an
 * `LLMClient`, so they can be swapped and nested freely.
 */
import type { z } from 'zod';
import type { ChatMessage, Usage } from '../schema/state.ts';
import type { ResponseFormat } from './response-format.ts';

/** One request to a model. */
export interface CompletionRequest {
  /** The conversation so far, oldest first. A `system` message, when present, comes first. */
  messages: readonly ChatMessage[];
  /** Model name override for this call (clients that serve several models use it). */
  model?: string;
  /**
   * Most output tokens of this reply (e.g. `llm_query(prompt, max_tokens=...)`); overrides the
   * client's own default. Clients map it to their provider's field (`max_completion_tokens`,
   * `max_tokens`); clients that cannot bound output ignore it.
   */
  maxTokens?: number;
  /** Sampling temperature of this reply (0–2 for OpenAI, 0–1 for Anthropic); the provider's default when absent. */
  temperature?: number;
  /** Aborts the call; the client rejects with an `AbortError`-named error. */
  signal?: AbortSignal;
  /**
   * Called with each text fragment as it arrives, when the client can stream; the final
   * `Completion.text` is still the whole reply. Clients that cannot stream never call it.
   */
  onToken?: (fragment: string) => void;
  /**
   * The reply must be a JSON value matching this zod schema. An `RLM` checks its root's `done()`
   * value against it (refusing wrong shapes back to its model) and answers with that value as JSON
   * text; clients without structured output ignore it, so callers still validate the text.
   */
  result?: z.ZodType;
  /**
   * Structured output: the reply text must be one JSON value matching `responseFormat.schema` (a
   * JSON Schema), e.g. `llm_query(prompt, schema=...)`. Clients pass it to the provider its own
   * way: `OpenAIClient` as `response_format: {type: "json_schema", json_schema: {name, schema,
   * strict}}`, `AnthropicClient` as `output_config: {format: {type: "json_schema", schema}}`,
   * `fromAISDK` as `responseFormat: {type: "json", schema, name}`, an `RLM` as its root's typed
   * result, `ScriptedLLM` by handing the request to its script. A client that cannot constrain its
   * output rejects with `LLMError` kind `unsupported` rather than send plain text; the caller
   * (the sub-call host) still validates the reply text, so a client written before this field,
   * which ignores it, is caught there.
   */
  responseFormat?: ResponseFormat;
}

/** A model's reply. */
export interface Completion {
  /** The reply text. */
  text: string;
  /** Tokens and cost spent on this call (for an RLM: its whole tree). */
  usage: Usage;
  /** The model that answered, as the provider names it, when known. */
  model?: string;
}

/**
 * A chat model. Implementations: `ScriptedLLM`, `ReplayLLM`, `RLM` (in core), `OpenAIClient`
 * (`@rlmtree/openai`), `AnthropicClient` (`@rlmtree/anthropic`).
 *
 * `complete` rejects with an `LLMError` (or a subclass) when the model cannot give a reply;
 * rejections are turned into structured error events by the engine, never a crash of the run.
 */
export interface LLMClient {
  /** Returns the model's reply to `request.messages`. */
  complete(request: CompletionRequest): Promise<Completion>;
  /** A short human name for logs and traces, e.g. `openai:gpt-5` or `scripted`. */
  readonly name?: string;
}

/**
 * Time one model HTTP attempt may take before it is abandoned and retried (ms): 120 s. The SDKs'
 * own default (600 s) with their 2 retries let a server that accepts and never answers hold a
 * run for 30 minutes; 120 s still covers long non-streamed replies. The provider clients use it
 * unless given `timeoutMs`; the CLI's `--model-timeout <seconds>` sets it.
 */
export const DEFAULT_MODEL_TIMEOUT_MS = 120_000;

/**
 * A model call failed. `kind` says how: `http` (a provider status), `timeout`, `aborted`,
 * `malformed` (a reply that is empty or not in the expected shape), `script` (a ScriptedLLM
 * had no reply), `replay` (a ReplayLLM had no recorded reply), `unsupported` (the request asks
 * for something the client or its model cannot do, e.g. a `responseFormat`), `other`. Its message names the
 * client and model (e.g. `openai:gpt-5: HTTP 429 ...`): it is shown to the parent agent, or raised
 * in Python for a sub-call, as is.
 */
export class LLMError extends Error {
  /** How the call failed. */
  readonly kind: 'http' | 'timeout' | 'aborted' | 'malformed' | 'script' | 'replay' | 'unsupported' | 'other';
  /** The provider's HTTP status when there was one. */
  readonly status: number | undefined;
  /** @param message what went wrong, naming the client and model. */
  constructor(kind: LLMError['kind'], message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LLMError';
    this.kind = kind;
    this.status = options?.status;
  }
}

export { zeroUsage, addUsage } from '../schema/usage.ts';
