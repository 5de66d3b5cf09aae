/**
 * `POST /v1/responses`: OpenAI's Responses API, JSON or SSE (`stream: true`), the default API of
 * the AI SDK's `openai(...)` and of LangChain's `ChatOpenAI` with `useResponsesApi`. The reply has
 * a `reasoning` output item whose summary is the tree's progress (streamed as
 * `response.reasoning_summary_text.delta` events while the tree works) and a `message` item with
 * the answer. With `--sessions`, `previous_response_id` continues that response's session (same
 * tree, same REPL); without, it is a 400 that says so.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { progressLine, runSummary, type ChatMessage, type RunState, type Usage } from '@rlmtree/core';
import { endedBy, failure, RequestError } from './errors.ts';
import type { ItemStore } from './item-store.ts';
import { SESSION_HEADER } from './sessions.ts';
import { responsesOutput } from './output.ts';
import { checkModel, refuseTools, schemaIssue } from './request.ts';
import { runSignal, type RouteContext } from './route.ts';

const ResponsesRequestSchema = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(z.record(z.string(), z.unknown()))]),
    instructions: z.string().nullable().optional(),
    stream: z.boolean().nullable().optional(),
    store: z.boolean().nullable().optional(),
    text: z.unknown().optional(),
    tools: z.unknown().optional(),
    previous_response_id: z.string().nullable().optional(),
    metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .passthrough();

type ResponsesRequest = z.infer<typeof ResponsesRequestSchema>;

/** Text of a message item's content: a string, or `input_text` / `output_text` / `text` parts. */
function contentText(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw new RequestError(`${param}: content must be a string or a list of text parts`, param);
  return content
    .map((part: unknown, j) => {
      const p = part as { type?: unknown; text?: unknown };
      if ((p.type === 'input_text' || p.type === 'output_text' || p.type === 'text') && typeof p.text === 'string') return p.text;
      throw new RequestError(`${param}.${j}: content part of type ${JSON.stringify(p.type)} is not supported; send text`, `${param}.${j}`);
    })
    .join('');
}

/**
 * The request's conversation as core messages: `instructions` first as `system`, then the input
 * items. Earlier replies' reasoning items (the tree's progress, not conversation) are skipped; an
 * `item_reference` is looked up in the item store.
 * @throws RequestError for items an RLM cannot take (tool calls and outputs, files, images).
 */
function toChatMessages(req: ResponsesRequest, items: ItemStore): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (req.instructions) messages.push({ role: 'system', content: req.instructions });
  if (typeof req.input === 'string') {
    messages.push({ role: 'user', content: req.input });
    return messages;
  }
  req.input.forEach((item, i) => {
    const param = `input.${i}`;
    const type = item.type ?? 'message';
    if (type === 'reasoning') return;
    if (type === 'item_reference') {
      const stored = typeof item.id === 'string' ? items.get(item.id) : undefined;
      if (!stored) throw new RequestError(`${param}: item_reference ${JSON.stringify(item.id)} is not known to this server (it keeps the output items of its last ${items.maxItems} replies in memory); send the message itself, or set store: false`, param, 'item_not_found');
      if (stored.type === 'message') messages.push({ role: 'assistant', content: stored.text });
      return;
    }
    if (type !== 'message') {
      throw new RequestError(`${param}: input items of type ${JSON.stringify(type)} are not supported (rlmtree serve takes messages; it never returns tool calls)`, `${param}.type`, 'unsupported_parameter');
    }
    const role = item.role;
    if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') throw new RequestError(`${param}.role: ${JSON.stringify(role)} is not a message role`, `${param}.role`);
    messages.push({ role: role === 'developer' ? 'system' : role, content: contentText(item.content, `${param}.content`) });
  });
  return messages;
}

/** Usage in the Responses API's shape, plus the tree's cost (USD) and model calls. */
function responsesUsage(u: Usage, state?: RunState) {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cachedTokens },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.inputTokens + u.outputTokens,
    /** Not in OpenAI's schema: the whole agent tree's cost (USD) and model calls. */
    cost_usd: u.costUsd,
    llm_calls: u.llmCalls,
    /** Not in OpenAI's schema: what the run did (`RunSummary`: iterations, sub-calls sent / cached / refused, elapsed, root variables). */
    ...(state ? { rlmtree: runSummary(state) } : {}),
  };
}

const newId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`;

/** Handles one Responses API request. */
export async function createResponse(c: Context, r: RouteContext & { items: ItemStore }): Promise<Response> {
  const parsed = ResponsesRequestSchema.safeParse(await r.readJson(c));
  if (!parsed.success) throw schemaIssue(parsed.error.issues[0]!);
  const req = parsed.data;
  checkModel(req.model, r.modelName);
  refuseTools(req.tools);
  const previous = req.previous_response_id ?? undefined;
  if (previous && !r.runner.options.sessions) {
    throw new RequestError('previous_response_id: this server keeps no conversations; start it with --sessions, or send the whole conversation in input', 'previous_response_id', 'unsupported_parameter');
  }
  const output = responsesOutput(req.text);
  const messages = toChatMessages(req, r.items);
  if (!messages.some((m) => m.role === 'user')) throw new RequestError('input must hold at least one user message', 'input');
  // With --sessions: previous_response_id (or the session header) continues that conversation's session.
  const sessionId = c.req.header(SESSION_HEADER);
  const continuing = { ...(previous ? { continueFrom: previous } : {}), ...(sessionId ? { sessionId } : {}) };
  const store = req.store !== false;
  const id = newId('resp');
  r.log(c, id);
  const reasoningId = newId('rs');
  const messageId = newId('msg');
  const createdAt = Math.floor(Date.now() / 1000);
  const { signal, cancel } = runSignal(c);
  // The fields of a response object that do not change while it runs.
  const base = {
    id,
    object: 'response',
    created_at: createdAt,
    model: r.modelName,
    instructions: req.instructions ?? null,
    metadata: req.metadata ?? {},
    parallel_tool_calls: false,
    previous_response_id: previous ?? null,
    reasoning: { effort: null, summary: null },
    store,
    temperature: null,
    text: { format: output.type === 'json' ? (req.text as { format: unknown }).format : { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: null,
    truncation: 'disabled',
    incomplete_details: null,
  };
  const reasoningItem = (summary: string) => ({ type: 'reasoning', id: reasoningId, summary: summary ? [{ type: 'summary_text', text: summary }] : [], encrypted_content: null, status: 'completed' });
  const messageItem = (text: string, status: 'in_progress' | 'completed') => ({
    type: 'message',
    id: messageId,
    status,
    role: 'assistant',
    content: status === 'completed' ? [{ type: 'output_text', text, annotations: [], logprobs: [] }] : [],
  });
  const remember = (progress: string, text: string) => {
    if (!store) return;
    if (progress) r.items.put(reasoningId, { type: 'reasoning', role: 'assistant', text: '' });
    r.items.put(messageId, { type: 'message', role: 'assistant', text });
  };
  const release = (ended?: string) => r.release(c, ended);

  if (!req.stream) {
    try {
      let progress = '';
      const outcome = await r.runner.run({ id, messages, signal, output, ...continuing, onEvent: (e) => (progress += progressLine(e) ?? '') });
      if (outcome.sessionId) c.header(SESSION_HEADER, outcome.sessionId);
      remember(progress, outcome.text);
      const items = [...(progress ? [reasoningItem(progress)] : []), messageItem(outcome.text, 'completed')];
      return c.json({ ...base, status: 'completed', error: null, output: items, output_text: outcome.text, usage: responsesUsage(outcome.usage, outcome.state) });
    } finally {
      release();
    }
  }

  return streamSSE(c, async (stream) => {
    // Once the response streams, the request's own signal no longer follows the connection; the stream's abort does.
    stream.onAbort(cancel);
    let writes = Promise.resolve();
    let sequence = 0;
    const send = (event: { type: string } & Record<string, unknown>) => {
      const data = JSON.stringify({ ...event, sequence_number: sequence++ });
      writes = writes.then(() => stream.writeSSE({ event: event.type, data })).catch(() => {});
      return writes;
    };
    const stopKeepAlive = r.keepAlive(() => (writes = writes.then(() => stream.write(': keep-alive\n\n')).then(() => {}).catch(() => {})));
    const inProgress = { ...base, status: 'in_progress', error: null, output: [], usage: null };
    // The reasoning item opens with the first progress line; the message item follows it.
    let progress = '';
    const reasoningAt = { output_index: 0, item_id: reasoningId, summary_index: 0 };
    const closeReasoning = async () => {
      if (!progress) return;
      await send({ type: 'response.reasoning_summary_text.done', ...reasoningAt, text: progress });
      await send({ type: 'response.reasoning_summary_part.done', ...reasoningAt, part: { type: 'summary_text', text: progress } });
      await send({ type: 'response.output_item.done', output_index: 0, item: reasoningItem(progress) });
    };
    let ended = 'answered';
    try {
      await send({ type: 'response.created', response: inProgress });
      await send({ type: 'response.in_progress', response: inProgress });
      const outcome = await r.runner.run({
        id,
        messages,
        signal,
        output,
        ...continuing,
        onEvent: (event) => {
          const line = progressLine(event);
          if (!line) return;
          if (!progress) {
            void send({ type: 'response.output_item.added', output_index: 0, item: { ...reasoningItem(''), status: 'in_progress' } });
            void send({ type: 'response.reasoning_summary_part.added', ...reasoningAt, part: { type: 'summary_text', text: '' } });
          }
          progress += line;
          void send({ type: 'response.reasoning_summary_text.delta', ...reasoningAt, delta: line });
        },
      });
      await closeReasoning();
      const at = { output_index: progress ? 1 : 0, item_id: messageId, content_index: 0 };
      const text = outcome.text;
      await send({ type: 'response.output_item.added', output_index: at.output_index, item: messageItem('', 'in_progress') });
      await send({ type: 'response.content_part.added', ...at, part: { type: 'output_text', text: '', annotations: [] } });
      await send({ type: 'response.output_text.delta', ...at, delta: text, logprobs: [] });
      await send({ type: 'response.output_text.done', ...at, text, logprobs: [] });
      await send({ type: 'response.content_part.done', ...at, part: { type: 'output_text', text, annotations: [] } });
      const message = messageItem(text, 'completed');
      await send({ type: 'response.output_item.done', output_index: at.output_index, item: message });
      remember(progress, text);
      const items = [...(progress ? [reasoningItem(progress)] : []), message];
      await send({ type: 'response.completed', response: { ...base, status: 'completed', error: null, output: items, usage: responsesUsage(outcome.usage, outcome.state) } });
    } catch (err) {
      // Headers are sent already: the failure is a `response.failed` event with the error body's code and message.
      ended = endedBy(err, signal);
      const f = failure(err).body.error;
      await closeReasoning();
      await send({ type: 'response.failed', response: { ...base, status: 'failed', error: { code: f.code ?? f.type, message: f.message }, output: [], usage: null } });
    } finally {
      stopKeepAlive();
      release(ended);
    }
  });
}
