/** Turns what an AI SDK model throws into core's `LLMError`, whose `kind` the engine and users act on. */
import { APICallError, EmptyResponseBodyError, InvalidResponseDataError, JSONParseError, TypeValidationError } from '@ai-sdk/provider';
import { LLMError } from '@rlmtree/core';

/**
 * Maps an error from `doGenerate` / `doStream`: an abort -> `aborted`, a timeout -> `timeout`, an
 * `APICallError` with a status -> `http` (with the status), a response that does not parse ->
 * `malformed`, anything else -> `other`.
 * @param where names the client and model in the message, e.g. `ai-sdk:openai.chat/gpt-5`.
 */
export function toLLMError(err: unknown, where: string): LLMError {
  if (err instanceof LLMError) return err;
  const name = (err as Error | undefined)?.name;
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'AbortError') return new LLMError('aborted', `${where}: the call was aborted`, { cause: err });
  if (name === 'TimeoutError') return new LLMError('timeout', `${where}: the call timed out`, { cause: err });
  if (APICallError.isInstance(err) && err.statusCode !== undefined) {
    return new LLMError('http', `${where}: HTTP ${err.statusCode}: ${message}`, { status: err.statusCode, cause: err });
  }
  if (JSONParseError.isInstance(err) || TypeValidationError.isInstance(err) || InvalidResponseDataError.isInstance(err) || EmptyResponseBodyError.isInstance(err)) {
    return new LLMError('malformed', `${where}: ${message}`, { cause: err });
  }
  return new LLMError('other', `${where}: ${message}`, { cause: err });
}

/** True when the AI SDK marks the error as worth retrying (408, 409, 429, 5xx, dropped connections). */
export function isRetryable(err: unknown): boolean {
  return APICallError.isInstance(err) && err.isRetryable;
}
