/**
 * The OpenAI-compatible HTTP API of `rlmtree serve` (Hono): `POST /v1/chat/completions`
 * (JSON, or SSE when `stream: true`) and `GET /v1/models`, backed by any `LLMClient`, in
 * practice an `RLM`. Errors use OpenAI's body shape `{error: {message, type, param, code}}`, so
 * OpenAI SDKs raise their usual typed errors.
 */
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { LLMError, type ChatMessage, type LLMClient, type Usage } from '@rlmtree/core';

/** Options of `createServeApp`. */
export interface ServeAppOptions {
  /** Answers every completion (an `RLM`: each request runs one agent tree). */
  client: LLMClient;
  /** The one model id served; requests naming another get 404 `model_not_found`. */
  modelName: string;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
}

/** Interval of SSE keep-alive comments while a streamed run has nothing to say (ms). */
const KEEP_ALIVE_MS = 15_000;

type ErrorType = 'invalid_request_error' | 'authentication_error' | 'server_error';

function errorBody(message: string, type: ErrorType, param: string | null = null, code: string | null = null) {
  return { error: { message, type, param, code } };
}

const ContentSchema = z.union([
  z.string(),
  // Content parts: only text is meaningful to an RLM; other parts are refused by name.
  z.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough()),
]);

const RequestSchema = z.object({
  model: z.string().min(1),
  messages: z
    .array(z.object({ role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']), content: ContentSchema.nullable().optional() }).passthrough())
    .min(1, 'messages must hold at least one message'),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullable().optional(),
}).passthrough();

/** OpenAI messages to core's: `developer` counts as `system`, `tool` as `user`; text parts are joined. */
function toChatMessages(messages: z.infer<typeof RequestSchema>['messages']): ChatMessage[] {
  return messages.map((m, i) => {
    let content = '';
    if (typeof m.content === 'string') content = m.content;
    else if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (part.type !== 'text' || typeof part.text !== 'string') throw new LLMError('malformed', `messages[${i}]: content part of type ${JSON.stringify(part.type)} is not supported; send text`);
        content += part.text;
      }
    }
    const role = m.role === 'developer' ? 'system' : m.role === 'tool' ? 'user' : m.role;
    return { role, content };
  });
}

function openAIUsage(u: Usage) {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
    /** Not in OpenAI's schema: the whole agent tree's cost (USD) and model calls. */
    cost_usd: u.costUsd,
    llm_calls: u.llmCalls,
  };
}

/** The status and OpenAI error body for a failure of the client. */
function failure(err: unknown): { status: 400 | 500; body: ReturnType<typeof errorBody> } {
  if (err instanceof LLMError && err.kind === 'malformed') return { status: 400, body: errorBody(err.message, 'invalid_request_error', 'messages') };
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: errorBody(message, 'server_error', null, err instanceof LLMError ? err.kind : null) };
}

/** Builds the app; serve it with `@hono/node-server` or call `app.fetch(request)` directly. */
export function createServeApp(options: ServeAppOptions): Hono {
  const app = new Hono();
  const created = Math.floor(Date.now() / 1000);

  app.use('*', async (c, next) => {
    if (options.token && c.req.header('authorization') !== `Bearer ${options.token}`) {
      return c.json(errorBody('missing or wrong bearer token', 'authentication_error', null, 'invalid_api_key'), 401);
    }
    await next();
  });

  app.get('/v1/models', (c) => c.json({ object: 'list', data: [{ id: options.modelName, object: 'model', created, owned_by: 'rlmtree' }] }));

  app.post('/v1/chat/completions', async (c) => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return c.json(errorBody('the request body is not valid JSON', 'invalid_request_error'), 400);
    }
    const parsed = RequestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const param = issue.path.join('.') || null;
      return c.json(errorBody(`${param ?? 'body'}: ${issue.message}`, 'invalid_request_error', param), 400);
    }
    const req = parsed.data;
    if (req.model !== options.modelName) {
      return c.json(errorBody(`the model ${JSON.stringify(req.model)} does not exist; this server serves ${JSON.stringify(options.modelName)}`, 'invalid_request_error', 'model', 'model_not_found'), 404);
    }
    let messages: ChatMessage[];
    try {
      messages = toChatMessages(req.messages);
    } catch (err) {
      return c.json(failure(err).body, 400);
    }
    if (!messages.some((m) => m.role === 'user')) {
      return c.json(errorBody('messages must hold at least one user message', 'invalid_request_error', 'messages'), 400);
    }
    const id = `chatcmpl-rlmtree-${crypto.randomUUID()}`;
    // A client that hangs up cancels its run: in-flight model calls abort, cells are interrupted.
    const signal = c.req.raw.signal;
    return req.stream ? streamCompletion(c, { id, created, options, messages, signal, includeUsage: req.stream_options?.include_usage === true }) : completion(c, { id, options, messages, signal });
  });

  app.notFound((c) => c.json(errorBody(`no route ${c.req.method} ${c.req.path}`, 'invalid_request_error'), 404));
  app.onError((err, c) => c.json(errorBody(err.message, 'server_error'), 500));
  return app;
}

async function completion(c: Context, s: { id: string; options: ServeAppOptions; messages: ChatMessage[]; signal: AbortSignal }) {
  try {
    const reply = await s.options.client.complete({ messages: s.messages, signal: s.signal });
    return c.json({
      id: s.id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: s.options.modelName,
      choices: [{ index: 0, message: { role: 'assistant', content: reply.text, refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: openAIUsage(reply.usage),
    });
  } catch (err) {
    const f = failure(err);
    return c.json(f.body, f.status);
  }
}

function streamCompletion(c: Context, s: { id: string; created: number; options: ServeAppOptions; messages: ChatMessage[]; signal: AbortSignal; includeUsage: boolean }) {
  return streamSSE(c, async (stream) => {
    const chunk = (delta: object, finish: string | null) =>
      stream.writeSSE({ data: JSON.stringify({ id: s.id, object: 'chat.completion.chunk', created: s.created, model: s.options.modelName, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] }) });
    await chunk({ role: 'assistant', content: '' }, null);
    const writes: Promise<void>[] = [];
    // A tree can run for minutes before its answer: SSE comments keep proxies from closing the stream.
    const keepAlive = setInterval(() => writes.push(stream.write(': keep-alive\n\n').then(() => {})), KEEP_ALIVE_MS);
    try {
      const reply = await s.options.client.complete({ messages: s.messages, signal: s.signal, onToken: (fragment) => writes.push(chunk({ content: fragment }, null)) });
      await Promise.all(writes);
      await chunk({}, 'stop');
      if (s.includeUsage) {
        await stream.writeSSE({ data: JSON.stringify({ id: s.id, object: 'chat.completion.chunk', created: s.created, model: s.options.modelName, choices: [], usage: openAIUsage(reply.usage) }) });
      }
    } catch (err) {
      // Headers are sent already: OpenAI streams report a failure as an `error` object in the data.
      await Promise.all(writes).catch(() => {});
      await stream.writeSSE({ data: JSON.stringify(failure(err).body) });
    } finally {
      clearInterval(keepAlive);
    }
    await stream.writeSSE({ data: '[DONE]' });
  });
}
