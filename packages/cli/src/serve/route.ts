/**
 * What the routes share: the runner, the served model id, body reading, the run slots that bound
 * concurrent trees, the request log and SSE keep-alives.
 */
import type { Context } from 'hono';
import { RequestError } from './errors.ts';
import type { RequestRunner } from './runner.ts';

/** Interval of SSE keep-alive comments while a streamed run has nothing to say (ms). */
export const KEEP_ALIVE_MS = 15_000;

/** A run slot could not be had: the server runs its maximum of trees already. */
export class BusyError extends Error {
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  readonly retryAfterS: number;
  /** @param retryAfterS seconds a client should wait before retrying. @param max the slots there are. */
  constructor(retryAfterS: number, max: number) {
    super(`the server is running its maximum of ${max} concurrent agent trees; retry after ${retryAfterS} s`);
    this.name = 'BusyError';
    this.retryAfterS = retryAfterS;
  }
}

/** Counts running trees and refuses one past the maximum (no queue: the client's retry is the queue). */
export class RunSlots {
  private running = 0;
  /**
   * @param max trees allowed at once (>= 1).
   * @param retryAfterS the `Retry-After` (seconds) of a refusal.
   */
  constructor(max: number, retryAfterS: number) {
    this.max = max;
    this.retryAfterS = retryAfterS;
  }

  /** Trees allowed at once. */
  readonly max: number;
  /** The `Retry-After` of a refusal (seconds). */
  readonly retryAfterS: number;

  /** Trees running now. */
  get inUse(): number {
    return this.running;
  }

  /**
   * Takes a slot; the returned function gives it back (calling it twice is harmless).
   * @throws BusyError when all slots are taken.
   */
  acquire(): () => void {
    if (this.running >= this.max) throw new BusyError(this.retryAfterS, this.max);
    this.running++;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.running--;
      }
    };
  }
}

/** What a route handler gets besides hono's context. */
export interface RouteContext {
  runner: RequestRunner;
  modelName: string;
  /** Reads the body as JSON. @throws RequestError (400) when it is not JSON. */
  readJson(c: Context): Promise<unknown>;
  /**
   * Gives back the request's run slot (taken before its body was read; see `app.ts`). A streamed
   * response calls it when its stream ends, with how the run ended (`answered`, `failed: <reason>`)
   * for the log's second line; for any other response the app calls it.
   */
  release(c: Context, ended?: string): void;
  /** Notes the request's id for its log line (which also names its trace file). */
  log(c: Context, id: string): void;
  /** Calls `write` every `KEEP_ALIVE_MS`; returns the function that stops it. */
  keepAlive(write: () => void): () => void;
}

/** Reads a JSON body. @throws RequestError when it is not JSON. */
export async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new RequestError('the request body is not valid JSON');
  }
}

/**
 * The signal that cancels a request's run: it aborts when the request's own signal does (a client
 * that hangs up before the response starts) or when `cancel` is called (a streamed response's
 * client hung up, which only the stream notices).
 */
export function runSignal(c: Context): { signal: AbortSignal; cancel: () => void } {
  const controller = new AbortController();
  const cancel = () => controller.abort(new DOMException('the client closed the connection', 'AbortError'));
  if (c.req.raw.signal.aborted) cancel();
  else c.req.raw.signal.addEventListener('abort', cancel, { once: true });
  return { signal: controller.signal, cancel };
}
