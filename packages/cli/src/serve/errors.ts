/**
 * Error bodies and statuses of `rlmtree serve`, in OpenAI's shape `{error: {message, type, param,
 * code}}` so OpenAI-compatible SDKs raise their usual typed errors.
 *
 * Which statuses the SDKs retry decides the status of a run that ended without an answer. Read
 * from their sources (openai 7, @ai-sdk/provider 4, @langchain/core 1): the openai SDK retries 408,
 * 409, 429 and >= 500 unless the response says `x-should-retry: false`; the AI SDK retries 408,
 * 409, 429 and >= 500; LangChain's AsyncCaller retries everything except 400–407, 409 and 413.
 * So a failed run is a **400** with `type: "run_error"` and `code` the structured reason (e.g.
 * `llm_error`, `max_wall_clock`): none of them retries it, so one client call never runs the tree
 * three times. A 5xx is left for bugs in the server itself.
 */
import { LLMError } from '@rlmtree/core';

/** The `type` field of an error body. */
export type ErrorType = 'invalid_request_error' | 'authentication_error' | 'run_error' | 'rate_limit_error' | 'server_error';

/** An OpenAI-shaped error body. */
export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

/** Builds an error body. */
export function errorBody(message: string, type: ErrorType, param: string | null = null, code: string | null = null): ErrorBody {
  return { error: { message, type, param, code } };
}

/** A request the server refuses: status and body, thrown by request parsing and caught by the routes. */
export class RequestError extends Error {
  /** HTTP status (400, 404, 409, 413). */
  readonly status: 400 | 404 | 409 | 413;
  /** The OpenAI-shaped body. */
  readonly body: ErrorBody;
  /**
   * @param param the request field at fault (dotted), or null for the whole body.
   * @param code a machine-readable code (e.g. `model_not_found`, `unsupported_parameter`).
   */
  constructor(message: string, param: string | null = null, code: string | null = null, status: 400 | 404 | 409 | 413 = 400) {
    super(message);
    this.name = 'RequestError';
    this.status = status;
    this.body = errorBody(message, 'invalid_request_error', param, code);
  }
}

/** A run ended without an answer: `kind` is the root's structured reason (`AgentError.kind`). */
export class RunFailedError extends Error {
  /** The root's error kind, e.g. `llm_error`, `max_iterations`, `max_wall_clock`. */
  readonly kind: string;
  /** @param message names the reason, as the root recorded it. */
  constructor(kind: string, message: string) {
    super(message);
    this.name = 'RunFailedError';
    this.kind = kind;
  }
}

/** Headers that tell the openai SDK not to retry (it reads `x-should-retry` before the status). */
export const NO_RETRY_HEADERS = { 'x-should-retry': 'false' } as const;

/** The status, body and headers for anything a route caught. */
export function failure(err: unknown): { status: 400 | 404 | 409 | 413 | 500; body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof RequestError) return { status: err.status, body: err.body, headers: {} };
  if (err instanceof RunFailedError) return { status: 400, body: errorBody(err.message, 'run_error', null, err.kind), headers: { ...NO_RETRY_HEADERS } };
  if (err instanceof LLMError && err.kind === 'malformed') return { status: 400, body: errorBody(err.message, 'invalid_request_error', 'messages'), headers: {} };
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: errorBody(message, 'server_error', null, err instanceof LLMError ? err.kind : null), headers: {} };
}

/** How a streamed run ended, for its log line: `failed: <code>` or `cancelled` (the client hung up). */
export function endedBy(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'cancelled: the client closed the connection';
  const f = failure(err).body.error;
  return `failed: ${f.code ?? f.type}`;
}
