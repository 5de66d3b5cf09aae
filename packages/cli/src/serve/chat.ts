/**
 * `POST /v1/chat/completions`: JSON, or SSE with `stream: true`. A streamed reply shows the tree's
 * progress as `delta.reasoning_content` (the field DeepSeek-style servers use, which
 * `@ai-sdk/openai-compatible` and LangChain's `ChatOpenAI` surface as reasoning) while it works,
 * then the answer as `delta.content`, then the finish chunk and, on request, usage.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { progressLine, runSummary, type ChatMessage, type RunState, type Usage } from '@rlmtree/core';
import { endedBy, failure, RequestError } from './errors.ts';
import { chatOutput } from './output.ts';
import { checkModel, refuseN, refuseTools, schemaIssue } from './request.ts';
import { runSignal, type RouteContext } from './route.ts';
import { SESSION_HEADER } from './sessions.ts';

const ContentSchema = z.union([
  z.string(),
  // Content parts: only text is meaningful to an RLM; other parts are refused by name.
  z.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough()),
]);

const ChatRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z
      .array(z.object({ role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']), content: ContentSchema.nullable().optional() }).passthrough())
      .min(1, 'messages must hold at least one message'),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullable().optional(),
    n: z.unknown().optional(),
    tools: z.unknown().optional(),
    response_format: z.unknown().optional(),
  })
  .passthrough();

type ChatRequest = z.infer<typeof ChatRequestSchema>;

/** OpenAI messages to core's: `developer` counts as `system`, `tool` as `user`; text parts are joined. */
function toChatMessages(messages: ChatRequest['messages']): ChatMessage[] {
  return messages.map((m, i) => {
    let content = '';
    if (typeof m.content === 'string') content = m.content;
    else if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (part.type !== 'text' || typeof part.text !== 'string') throw new RequestError(`messages[${i}]: content part of type ${JSON.stringify(part.type)} is not supported; send text`, `messages.${i}.content`);
        content += part.text;
      }
    }
    const role = m.role === 'developer' ? 'system' : m.role === 'tool' ? 'user' : m.role;
    return { role, content };
  });
}

/** Usage in Chat Completions' shape, plus the tree's cost (USD) and model calls. */
export function chatUsage(u: Usage, state?: RunState) {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
    /** Not in OpenAI's schema: the whole agent tree's cost (USD) and model calls. */
    cost_usd: u.costUsd,
    llm_calls: u.llmCalls,
    /** Not in OpenAI's schema: what the run did (`RunSummary`: iterations, sub-calls sent / cached / refused, elapsed, root variables). */
    ...(state ? { rlmtree: runSummary(state) } : {}),
  };
}

/** Handles one chat completion request. */
export async function chatCompletion(c: Context, r: RouteContext): Promise<Response> {
  const body = await r.readJson(c);
  const parsed = ChatRequestSchema.safeParse(body);
  if (!parsed.success) throw schemaIssue(parsed.error.issues[0]!);
  const req = parsed.data;
  checkModel(req.model, r.modelName);
  refuseTools(req.tools);
  refuseN(req.n);
  const output = chatOutput(req.response_format);
  const messages = toChatMessages(req.messages);
  if (!messages.some((m) => m.role === 'user')) throw new RequestError('messages must hold at least one user message', 'messages');
  const id = `chatcmpl-${crypto.randomUUID()}`;
  r.log(c, id);
  // A client that hangs up cancels its run: in-flight model calls abort, cells are interrupted.
  const { signal, cancel } = runSignal(c);
  const created = Math.floor(Date.now() / 1000);
  const release = (ended?: string) => r.release(c, ended);
  if (!req.stream) {
    try {
      const sessionId = c.req.header(SESSION_HEADER);
      const outcome = await r.runner.run({ id, messages, signal, output, ...(sessionId ? { sessionId } : {}) });
      if (outcome.sessionId) c.header(SESSION_HEADER, outcome.sessionId);
      return c.json({
        id,
        object: 'chat.completion',
        created,
        model: r.modelName,
        choices: [{ index: 0, message: { role: 'assistant', content: outcome.text, refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: chatUsage(outcome.usage, outcome.state),
      });
    } finally {
      release();
    }
  }
  const includeUsage = req.stream_options?.include_usage === true;
  return streamSSE(c, async (stream) => {
    // Once the response streams, the request's own signal no longer follows the connection; the stream's abort does.
    stream.onAbort(cancel);
    let writes = Promise.resolve();
    const send = (data: object | string) => {
      writes = writes.then(() => stream.writeSSE({ data: typeof data === 'string' ? data : JSON.stringify(data) })).catch(() => {});
      return writes;
    };
    const chunk = (delta: object, finish: string | null) =>
      send({ id, object: 'chat.completion.chunk', created, model: r.modelName, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
    const stopKeepAlive = r.keepAlive(() => (writes = writes.then(() => stream.write(': keep-alive\n\n')).then(() => {}).catch(() => {})));
    let ended = 'answered';
    try {
      await chunk({ role: 'assistant', content: '' }, null);
      const sessionId = c.req.header(SESSION_HEADER);
      const outcome = await r.runner.run({
        id,
        messages,
        signal,
        output,
        ...(sessionId ? { sessionId } : {}),
        onEvent: (event) => {
          const line = progressLine(event);
          if (line) void chunk({ reasoning_content: line }, null);
        },
      });
      await chunk({ content: outcome.text }, null);
      await chunk({}, 'stop');
      if (includeUsage) await send({ id, object: 'chat.completion.chunk', created, model: r.modelName, choices: [], usage: chatUsage(outcome.usage, outcome.state) });
    } catch (err) {
      // Headers are sent already: OpenAI streams report a failure as an `error` object in the data.
      ended = endedBy(err, signal);
      await send(failure(err).body);
    } finally {
      stopKeepAlive();
      release(ended);
    }
    await send('[DONE]');
  });
}

