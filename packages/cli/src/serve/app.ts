/**
 * The HTTP API of `rlmtree serve` (Hono): OpenAI's Chat Completions (`POST /v1/chat/completions`)
 * and Responses (`POST /v1/responses`) APIs, `GET /v1/models` and `GET /health`, backed by a
 * `ServeRunner` that runs one agent tree per request. Around the routes: optional CORS, a bearer
 * token, a body-size limit (413), a bound on concurrent trees (429 with `Retry-After`) and one log
 * line per request. Errors use OpenAI's body shape (see `errors.ts` for the statuses).
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { chatCompletion } from './chat.ts';
import { errorBody, failure } from './errors.ts';
import { ItemStore } from './item-store.ts';
import { memoryReclaimer } from './reclaim.ts';
import { createResponse } from './responses.ts';
import { BusyError, KEEP_ALIVE_MS, readJson, RunSlots, type RouteContext } from './route.ts';
import type { RequestRunner } from './runner.ts';

import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENT_RUNS, DEFAULT_RETRY_AFTER_S } from './defaults.ts';

export { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENT_RUNS, DEFAULT_RETRY_AFTER_S };

/** Options of `createServeApp`. */
export interface ServeAppOptions {
  /** Runs each request's agent tree. */
  runner: RequestRunner;
  /** The one model id served; requests naming another get 404 `model_not_found`. */
  modelName: string;
  /** When set, every request but `/health` and CORS preflights must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Allowed CORS origins (`['*']`: any); absent: no CORS headers, preflights are 404. */
  corsOrigins?: string[];
  /** Largest request body accepted (bytes; default 16 MiB); larger ones get 413 before they are read. */
  maxBodyBytes?: number;
  /** Agent trees run at once (default 4); a request past it gets 429 with `Retry-After`. */
  maxConcurrentRuns?: number;
  /** The `Retry-After` of a 429 (seconds, default 5). */
  retryAfterS?: number;
  /** Where request log lines go (default: stderr); `false`: no log. */
  log?: ((line: string) => void) | false;
  /** Interval of SSE keep-alive comments (ms, default 15 000). */
  keepAliveMs?: number;
}

type Env = { Variables: { requestId?: string; release?: (ended?: string) => void } };

/** Builds the app; serve it with `@hono/node-server` or call `app.fetch(request)` directly. */
export function createServeApp(options: ServeAppOptions): Hono<Env> {
  const app = new Hono<Env>();
  const created = Math.floor(Date.now() / 1000);
  const slots = new RunSlots(options.maxConcurrentRuns ?? DEFAULT_MAX_CONCURRENT_RUNS, options.retryAfterS ?? DEFAULT_RETRY_AFTER_S);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const write = options.log === false ? null : (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)));
  const traceDir = options.runner.options.traceDir;
  const keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  const reclaim = memoryReclaimer();
  const route: RouteContext & { items: ItemStore } = {
    runner: options.runner,
    modelName: options.modelName,
    readJson,
    release: (c, ended) => c.get('release')?.(ended),
    log: (c: Context, id: string) => c.set('requestId', id),
    keepAlive: (fn) => {
      const timer = setInterval(fn, keepAliveMs);
      return () => clearInterval(timer);
    },
    items: new ItemStore(),
  };

  // One line per request when its response starts: method, path, status, time to headers, request id, trace file.
  if (write) {
    app.use('*', async (c, next) => {
      const started = performance.now();
      await next();
      const id = c.get('requestId');
      const streamed = c.res.headers.get('content-type')?.startsWith('text/event-stream') ? ' (stream)' : '';
      const trace = id && traceDir ? ` trace=${traceDir}/${id}.jsonl` : '';
      write(`${new Date().toISOString()} ${c.req.method} ${c.req.path} ${c.res.status}${streamed} ${Math.round(performance.now() - started)}ms${id ? ` id=${id}` : ''}${trace}`);
    });
  }
  // Allowed headers are not listed, so preflights reflect what the browser asks for (the openai SDK sends x-stainless-* headers).
  if (options.corsOrigins?.length) {
    const origins = options.corsOrigins;
    app.use('*', cors({ origin: origins.includes('*') ? '*' : origins, exposeHeaders: ['Retry-After', 'X-Should-Retry'], maxAge: 600 }));
  }
  app.get('/health', (c) => c.json({ status: 'ok', model: options.modelName, runs: { running: slots.inUse, max: slots.max } }));
  app.use('*', async (c, next) => {
    if (options.token && c.req.header('authorization') !== `Bearer ${options.token}`) {
      return c.json(errorBody('missing or wrong bearer token', 'authentication_error', null, 'invalid_api_key'), 401);
    }
    await next();
  });
  const limitBody = bodyLimit({
    maxSize: maxBody,
    // Refused on its Content-Length, before any of it is read; @hono/node-server then drains a
    // bounded amount of the rest (so the client reads the 413) and closes the socket past that.
    onError: (c) => c.json(errorBody(`the request body is larger than this server's limit of ${maxBody} bytes (--max-body-size)`, 'invalid_request_error', null, 'request_too_large'), 413),
  });

  app.get('/v1/models', (c) => c.json({ object: 'list', data: [{ id: options.modelName, object: 'model', created, owned_by: 'rlmtree' }] }));
  // A run slot is taken before the body is read, so a refused request costs no memory. The slot
  // is given back when the response is complete: here, or (streams) when the stream ends.
  const takeSlot = async (c: Context<Env>, next: () => Promise<void>) => {
    const release = slots.acquire();
    const bodyBytes = Number(c.req.header('content-length') ?? 0);
    const started = performance.now();
    let released = false;
    c.set('release', (ended) => {
      if (released) return;
      released = true;
      release();
      reclaim(bodyBytes);
      // A stream's first log line is written when it starts; this one says how and when it ended.
      if (ended && write) write(`${new Date().toISOString()} ${c.req.method} ${c.req.path} stream ended ${Math.round(performance.now() - started)}ms id=${c.get('requestId') ?? '-'} ${ended}`);
    });
    await next();
    if (!c.res.headers.get('content-type')?.startsWith('text/event-stream')) c.get('release')!();
  };
  app.post('/v1/chat/completions', takeSlot, limitBody, (c) => chatCompletion(c, route));
  app.post('/v1/responses', takeSlot, limitBody, (c) => createResponse(c, route));

  app.notFound((c) => c.json(errorBody(`no route ${c.req.method} ${c.req.path}`, 'invalid_request_error'), 404));
  app.onError((err, c) => {
    if (err instanceof BusyError) {
      c.header('Retry-After', String(err.retryAfterS));
      return c.json(errorBody(err.message, 'rate_limit_error', null, 'server_busy'), 429);
    }
    const f = failure(err);
    for (const [k, v] of Object.entries(f.headers)) c.header(k, v);
    return c.json(f.body, f.status);
  });
  return app;
}
