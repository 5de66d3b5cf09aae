/**
 * A local HTTP server speaking Anthropic's Messages wire format (`POST /v1/messages`, JSON and
 * SSE streaming), for tests and offline demos. Replies come from any `LLMClient`; faults can be
 * queued. Prompt caching is simulated: a prefix ending in a `cache_control` block is "written"
 * the first time it is seen and "read" after that, and usage reports both, as the API does.
 * Binds to 127.0.0.1 only.
 */
import type { ServerResponse } from 'node:http';
import { estimateTokens, type ChatMessage, type LLMClient, type ResponseFormat } from '@rlmtree/core';
import { sendFault, sendJson, startFakeHttp, type FakeFault, type RecordedRequest } from '@rlmtree/core/testing';

/** Anthropic's error body for a status (`rate_limit_error` for 429, `overloaded_error` for 529). */
function errorBody(status: number, message: string): object {
  const type =
    status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status === 404 ? 'not_found_error' : status < 500 ? 'invalid_request_error' : 'api_error';
  return { type: 'error', error: { type, message } };
}

/** A fault the fake server injects (HTTP status, garbage, hang…) and one request it recorded (method, path, parsed JSON body), re-exported from core's testing kit so tests import them with the server. */
export type { FakeFault, RecordedRequest } from '@rlmtree/core/testing';

/** Options of `startFakeAnthropic`. */
export interface FakeAnthropicOptions {
  /** Answers each request from its messages (the system prompt comes first as a `system` message). */
  reply: LLMClient;
  /** Latency added to every reply (ms). */
  latencyMs?: number;
  /** Characters per streamed text delta (default 8). */
  chunkChars?: number;
}

/** A running fake server. */
export interface FakeAnthropicServer {
  /** Base URL without `/v1` (the SDK adds it), e.g. `http://127.0.0.1:41234`. */
  baseURL: string;
  requests: RecordedRequest[];
  /** Faults answered before normal replies, first in first out. */
  faults: FakeFault[];
  close(): Promise<void>;
}

type Block = { type: string; text?: string; cache_control?: unknown };

/** Text of a `system` or message `content` field (a string or a list of blocks). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return (content as Block[]).map((b) => b.text ?? '').join('');
  return '';
}

function hasCacheControl(content: unknown): boolean {
  return Array.isArray(content) && (content as Block[]).some((b) => b.cache_control);
}

/** Starts the server on a free loopback port. Tokens are estimated at 4 characters each. */
export async function startFakeAnthropic(options: FakeAnthropicOptions): Promise<FakeAnthropicServer> {
  const cache = new Set<string>();

  const messagesRoute = async (req: RecordedRequest, res: ServerResponse): Promise<void> => {
    const fault = http.faults.shift();
    if (fault) return sendFault(res, fault, errorBody);
    const body = req.body;
    if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages) || typeof body.max_tokens !== 'number') {
      return sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'model, messages and max_tokens are required' } });
    }
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const system = textOf(body.system);
    const messages: ChatMessage[] = [
      ...(system ? [{ role: 'system' as const, content: system }] : []),
      ...body.messages.map((m: { role: 'user' | 'assistant'; content: unknown }) => ({ role: m.role, content: textOf(m.content) })),
    ];
    // Structured outputs: `output_config.format` is handed to the reply client as its responseFormat.
    const format = (body.output_config as { format?: { type?: string; schema?: unknown } } | undefined)?.format;
    if (format && (format.type !== 'json_schema' || typeof format.schema !== 'object' || format.schema === null)) {
      return sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'output_config.format: a {type: "json_schema", schema} object is required' } });
    }
    const responseFormat: ResponseFormat | undefined = format ? { type: 'json_schema', name: 'response', schema: format.schema as Record<string, unknown>, strict: true } : undefined;
    let text: string;
    try {
      text = (await options.reply.complete({ messages, model: body.model, ...(responseFormat ? { responseFormat } : {}) })).text;
    } catch (err) {
      return sendJson(res, 500, { type: 'error', error: { type: 'api_error', message: (err as Error).message } });
    }
    // The cached prefix runs up to the last block carrying cache_control (system, then messages).
    const parts: { text: string; marked: boolean }[] = [
      { text: system, marked: hasCacheControl(body.system) },
      ...body.messages.map((m: { content: unknown }) => ({ text: textOf(m.content), marked: hasCacheControl(m.content) })),
    ];
    let end = -1;
    parts.forEach((p, i) => {
      if (p.marked) end = i;
    });
    const prefixTokens = end < 0 ? 0 : parts.slice(0, end + 1).reduce((n, p) => n + estimateTokens(p.text), 0);
    const key = JSON.stringify(parts.slice(0, end + 1).map((p) => p.text));
    const hit = end >= 0 && cache.has(key);
    if (end >= 0) cache.add(key);
    const allTokens = parts.reduce((n, p) => n + estimateTokens(p.text), 0);
    const usage = {
      input_tokens: allTokens - prefixTokens,
      cache_creation_input_tokens: hit ? 0 : prefixTokens,
      cache_read_input_tokens: hit ? prefixTokens : 0,
      output_tokens: estimateTokens(text),
    };
    const message = {
      id: `msg_fake_${http.requests.length}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage,
    };
    if (!body.stream) return sendJson(res, 200, message);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const event = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    event('message_start', { message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    const size = options.chunkChars ?? 8;
    for (let i = 0; i < text.length; i += size) event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: text.slice(i, i + size) } });
    event('content_block_stop', { index: 0 });
    event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
    event('message_stop', {});
    res.end();
  };

  const http = await startFakeHttp({
    errorBody,
    handle: (req, res) => {
      if (req.method === 'POST' && req.path === '/v1/messages') return messagesRoute(req, res);
      sendJson(res, 404, errorBody(404, `no route ${req.method} ${req.path}`));
    },
  });
  return {
    baseURL: http.origin,
    requests: http.requests,
    faults: http.faults,
    close: http.close,
  };
}
