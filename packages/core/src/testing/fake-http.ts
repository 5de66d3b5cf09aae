/**
 * The HTTP scaffolding of the fake provider servers used in tests and benchmarks
 * (`@rlmtree/openai/testing`, `@rlmtree/anthropic/testing`): request recording, a queue of
 * canned faults, JSON replies, and a server bound to 127.0.0.1 on a free port. Each provider
 * adds only its own wire format.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A canned response sent instead of a model reply (one per request, in queue order). */
export interface FakeFault {
  /** HTTP status (default 200). */
  status?: number;
  /** The body: an object is sent as JSON, a string verbatim (default: the provider's error shape). */
  body?: string | object;
  /** Extra response headers, e.g. `{'retry-after-ms': '10'}`. */
  headers?: Record<string, string>;
  /** Waits this long (ms) before answering; a client that times out first never sees it. */
  delayMs?: number;
}

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Header names lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (undefined when none or not JSON). */
  body: any;
}

/** A running fake server. */
export interface FakeHttp {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  origin: string;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Faults answered before normal replies, first in first out (the handler takes them). */
  faults: FakeFault[];
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** What a provider's fake adds. */
export interface FakeHttpOptions {
  /** Answers one recorded request (route, validate, reply). */
  handle(req: RecordedRequest, res: ServerResponse): Promise<void> | void;
  /** The provider's error body for a status and message. */
  errorBody(status: number, message: string): object;
}

/** Sends a JSON reply (nothing when the client is gone). */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

/** Sends a queued fault after its delay; the default body is the provider's error shape. */
export async function sendFault(res: ServerResponse, fault: FakeFault, errorBody: FakeHttpOptions['errorBody']): Promise<void> {
  if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
  if (res.destroyed) return;
  const status = fault.status ?? 200;
  const body = fault.body ?? errorBody(status, `fake fault ${status}`);
  res.writeHead(status, { 'content-type': 'application/json', ...fault.headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts a fake server on a free loopback port. */
export async function startFakeHttp(options: FakeHttpOptions): Promise<FakeHttp> {
  const requests: RecordedRequest[] = [];
  const faults: FakeFault[] = [];
  const server = createServer((req, res) => {
    readBody(req)
      .then(async (raw) => {
        let body: any;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          body = undefined;
        }
        const recorded: RecordedRequest = { method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, headers: req.headers, body };
        requests.push(recorded);
        await options.handle(recorded, res);
      })
      .catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, options.errorBody(500, String(err)));
        else res.destroy();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
