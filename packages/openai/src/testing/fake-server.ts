/**
 * A local HTTP server speaking OpenAI's chat-completions wire format, for tests, benchmarks and
 * offline demos: `POST /v1/chat/completions` (JSON and SSE streaming) and `GET /v1/models`.
 * Replies come from any `LLMClient` (typically a `ScriptedLLM`), which is handed a request's
 * `response_format` json_schema as `responseFormat`; faults (statuses, delays,
 * malformed bodies) can be queued to exercise a client's failure handling. Not a sandbox: it
 * binds to 127.0.0.1 only.
 */
import type { ServerResponse } from 'node:http';
import { estimateTokens, type ChatMessage, type LLMClient, type ResponseFormat } from '@rlmtree/core';
import { sendFault, sendJson, startFakeHttp, type FakeFault, type RecordedRequest } from '@rlmtree/core/testing';

/** A fault the fake server injects (HTTP status, garbage, hang…) and one request it recorded (method, path, parsed JSON body), re-exported from core's testing kit so tests import them with the server. */
export type { FakeFault, RecordedRequest } from '@rlmtree/core/testing';

/** Options of `startFakeOpenAI`. */
export interface FakeOpenAIOptions {
  /** Answers each completion from the request's messages and model. */
  reply: LLMClient;
  /** Latency added to every completion (ms), before the reply is computed. */
  latencyMs?: number;
  /** Model ids listed by `GET /v1/models` (default `['fake-model']`). */
  models?: string[];
  /** Characters per streamed chunk (default 8), so streams carry several fragments. */
  chunkChars?: number;
}

/** A running fake server. */
export interface FakeOpenAIServer {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  baseURL: string;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Faults answered before normal replies, first in first out. */
  faults: FakeFault[];
  /** Completions being answered right now. */
  readonly inFlight: number;
  /** The most completions answered at once since the start or the last `resetMaxInFlight()`. */
  readonly maxInFlight: number;
  /** Starts a new measurement of `maxInFlight` (from the current in-flight count). */
  resetMaxInFlight(): void;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/**
 * Starts the server on a free loopback port.
 * Usage reported: prompt and completion tokens estimated at 4 characters per token; a request
 * whose first two messages were seen before reports those as `cached_tokens`, like OpenAI's
 * automatic prefix caching.
 */
export async function startFakeOpenAI(options: FakeOpenAIOptions): Promise<FakeOpenAIServer> {
  const errorBody = (status: number, message: string) => ({
    error: { message, type: status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: null },
  });
  const seenPrefixes = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;

  const completion = async (req: RecordedRequest, res: ServerResponse): Promise<void> => {
    const fault = http.faults.shift();
    if (fault) return sendFault(res, fault, errorBody);
    const body = req.body;
    if (!body || !Array.isArray(body.messages) || typeof body.model !== 'string') {
      return sendJson(res, 400, { error: { message: 'model and messages are required', type: 'invalid_request_error', param: null, code: null } });
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
      const messages: ChatMessage[] = body.messages.map((m: { role: string; content: unknown }) => ({
        role: m.role === 'developer' ? 'system' : m.role,
        content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content),
      }));
      // Structured outputs: the schema is handed to the reply client as the request's responseFormat.
      const format = body.response_format as { type?: string; json_schema?: { name?: string; schema?: unknown; strict?: boolean } } | undefined;
      if (format?.type === 'json_schema' && (typeof format.json_schema?.schema !== 'object' || !format.json_schema?.name)) {
        return sendJson(res, 400, { error: { message: 'response_format.json_schema needs a name and a schema', type: 'invalid_request_error', param: 'response_format', code: null } });
      }
      const responseFormat: ResponseFormat | undefined =
        format?.type === 'json_schema' ? { type: 'json_schema', name: format.json_schema!.name!, schema: format.json_schema!.schema as Record<string, unknown>, strict: format.json_schema!.strict ?? false } : undefined;
      let text: string;
      try {
        text = (await options.reply.complete({ messages, model: body.model, ...(responseFormat ? { responseFormat } : {}) })).text;
      } catch (err) {
        return sendJson(res, 500, { error: { message: (err as Error).message, type: 'server_error', param: null, code: null } });
      }
      const promptTokens = messages.reduce((n, m) => n + estimateTokens(m.content), 0);
      const prefix = JSON.stringify(messages.slice(0, 2));
      const cached = messages.length > 2 && seenPrefixes.has(prefix) ? estimateTokens(messages[0]!.content) + estimateTokens(messages[1]!.content) : 0;
      seenPrefixes.add(prefix);
      const usage = {
        prompt_tokens: promptTokens,
        completion_tokens: estimateTokens(text),
        total_tokens: promptTokens + estimateTokens(text),
        prompt_tokens_details: { cached_tokens: cached },
        completion_tokens_details: { reasoning_tokens: 0 },
      };
      const id = `chatcmpl-fake-${http.requests.length}`;
      const created = Math.floor(Date.now() / 1000);
      if (body.stream) return sendStream(res, { id, created, model: body.model, text, usage: body.stream_options?.include_usage ? usage : null, chunkChars: options.chunkChars ?? 8 });
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage,
      });
    } finally {
      inFlight--;
    }
  };

  const http = await startFakeHttp({
    errorBody,
    handle: (req, res) => {
      if (req.method === 'POST' && req.path === '/v1/chat/completions') return completion(req, res);
      if (req.method === 'GET' && req.path === '/v1/models') {
        return sendJson(res, 200, { object: 'list', data: (options.models ?? ['fake-model']).map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) });
      }
      sendJson(res, 404, errorBody(404, `no route ${req.method} ${req.path}`));
    },
  });
  return {
    baseURL: `${http.origin}/v1`,
    requests: http.requests,
    faults: http.faults,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    resetMaxInFlight() {
      maxInFlight = inFlight;
    },
    close: http.close,
  };
}

function sendStream(
  res: ServerResponse,
  s: { id: string; created: number; model: string; text: string; usage: object | null; chunkChars: number },
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: object, finish: string | null, usage: object | null = null) =>
    `data: ${JSON.stringify({ id: s.id, object: 'chat.completion.chunk', created: s.created, model: s.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], usage })}\n\n`;
  res.write(chunk({ role: 'assistant', content: '' }, null));
  for (let i = 0; i < s.text.length; i += s.chunkChars) res.write(chunk({ content: s.text.slice(i, i + s.chunkChars) }, null));
  res.write(chunk({}, 'stop'));
  if (s.usage) res.write(`data: ${JSON.stringify({ id: s.id, object: 'chat.completion.chunk', created: s.created, model: s.model, choices: [], usage: s.usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}
