/** Turns the `openai` SDK's errors into core's `LLMError`, whose `kind` the engine and users act on. */
import { causeChain, LLMError } from '@rlmtree/core';
import { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

/**
 * Maps an error thrown by the SDK (after its own retries) to an `LLMError`:
 * abort -> `aborted`, timeout -> `timeout`, a status -> `http` (with the status), a body that is
 * not JSON -> `malformed`, anything else (connection refused, ...) -> `other`.
 * A failure with no HTTP status (connection refused, DNS, TLS, timeout) names `url` and the
 * causes under the SDK's error (`causeChain`), e.g. `Connection error. (http://127.0.0.1:1/v1:
 * fetch failed: connect ECONNREFUSED 127.0.0.1:1)`.
 * @param where names the client and model in the message, e.g. `openai:gpt-5`.
 * @param url the base URL the client sends to.
 */
export function toLLMError(err: unknown, where: string, url?: string): LLMError {
  const at = (message: string) => {
    const causes = causeChain(err);
    return url || causes ? `${message} (${[url, causes].filter(Boolean).join(': ')})` : message;
  };
  if (err instanceof LLMError) return err;
  if (err instanceof APIUserAbortError) return new LLMError('aborted', `${where}: the call was aborted`, { cause: err });
  if (err instanceof APIConnectionTimeoutError) return new LLMError('timeout', at(`${where}: the request timed out (after retries)`), { cause: err });
  if (err instanceof APIError && err.status !== undefined) {
    return new LLMError('http', `${where}: HTTP ${err.status}: ${err.message}`, { status: err.status, cause: err });
  }
  if (err instanceof SyntaxError) return new LLMError('malformed', `${where}: the response is not valid JSON: ${err.message}`, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  if ((err as Error)?.name === 'AbortError') return new LLMError('aborted', `${where}: the call was aborted`, { cause: err });
  return new LLMError('other', at(`${where}: ${message}`), { cause: err });
}
