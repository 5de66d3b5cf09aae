/** Turns the `openai` SDK's errors into core's `LLMError`, whose `kind` the engine and users act on. */
import { LLMError } from '@rlmtree/core';
import { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

/**
 * Maps an error thrown by the SDK (after its own retries) to an `LLMError`:
 * abort -> `aborted`, timeout -> `timeout`, a status -> `http` (with the status), a body that is
 * not JSON -> `malformed`, anything else (connection refused, ...) -> `other`.
 * @param where names the client and model in the message, e.g. `openai:gpt-5`.
 */
export function toLLMError(err: unknown, where: string): LLMError {
  if (err instanceof LLMError) return err;
  if (err instanceof APIUserAbortError) return new LLMError('aborted', `${where}: the call was aborted`, { cause: err });
  if (err instanceof APIConnectionTimeoutError) return new LLMError('timeout', `${where}: the request timed out (after retries)`, { cause: err });
  if (err instanceof APIError && err.status !== undefined) {
    return new LLMError('http', `${where}: HTTP ${err.status}: ${err.message}`, { status: err.status, cause: err });
  }
  if (err instanceof SyntaxError) return new LLMError('malformed', `${where}: the response is not valid JSON: ${err.message}`, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  if ((err as Error)?.name === 'AbortError') return new LLMError('aborted', `${where}: the call was aborted`, { cause: err });
  return new LLMError('other', `${where}: ${message}`, { cause: err });
}
