/**
 * `rlmtree serve` as a real process, driven by the real `openai` SDK (and plain fetch for what no
 * SDK sends): Chat Completions and the Responses API, streamed progress, typed results, the
 * parameters it refuses, a run without an answer (not retried), abort, and the server's limits.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.ts';
import { SERVE_POLICY, startServeProcess, type ServeProcess } from './helpers/serve.ts';
import { topSpeaker } from './speakers.ts';

const CORPUS = join(ROOT, 'examples/data/tinyshakespeare.txt');
const QUERY = 'Which speaker has the most speeches in this text, and how many?';
const TOKEN = 'serve-test-token';
const MODEL = 'rlm-speakers';
const MAX_BODY = 2_000_000;

let serve: ServeProcess;
let corpus: string;
let expected: string;
const traceDir = mkdtempSync(join(tmpdir(), 'rlmtree-serve-traces-'));

beforeAll(async () => {
  corpus = await readFile(CORPUS, 'utf8');
  const top = topSpeaker(corpus);
  expected = `${top.speaker} has the most speeches: ${top.speeches}`;
  serve = await startServeProcess([
    '--model', `scripted:${SERVE_POLICY}`, '--token', TOKEN, '--served-model-name', MODEL,
    '--cors', '--trace-dir', traceDir, '--max-body-size', String(MAX_BODY), '--max-concurrent-runs', '1', '--retry-after', '7',
  ]);
});
afterAll(() => serve.stop());

/** The SDK with its default retries (2) unless told otherwise: a retried request shows up in the log. */
const client = (options: { apiKey?: string; maxRetries?: number } = {}) => new OpenAI({ baseURL: serve.baseURL, apiKey: options.apiKey ?? TOKEN, ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}) });
const speakerMessages = () => [
  { role: 'system' as const, content: corpus },
  { role: 'user' as const, content: QUERY },
];
const origin = () => serve.baseURL.replace(/\/v1$/, '');

describe('rlmtree serve: routes around the API', () => {
  it('lists the served model, answers /health without a token, and does CORS preflights', async () => {
    expect(serve.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect((await client().models.list()).data.map((m) => m.id)).toEqual([MODEL]);
    const health = await fetch(`${origin()}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', model: MODEL, runs: { max: 1 } });
    const preflight = await fetch(`${serve.baseURL}/chat/completions`, { method: 'OPTIONS', headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-stainless-os' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/x-stainless-os/);
  });

  it('logs one line per request with its id, and records each run as a trace file', async () => {
    const res = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Say hello' }] });
    const line = serve.logLines('/v1/chat/completions').find((l) => l.includes(res.id));
    expect(line).toMatch(/POST \/v1\/chat\/completions 200 \d+ms id=chatcmpl-\S+ trace=\S+\.jsonl$/);
    const file = readdirSync(traceDir).find((f) => f === `${res.id}.jsonl`);
    expect(file).toBeDefined();
    const header = JSON.parse(readFileSync(join(traceDir, file!), 'utf8').split('\n')[0]!) as { config?: Record<string, unknown> };
    expect(header.config).toMatchObject({ request: res.id, runtime: 'subprocess' });
  });
});

describe('rlmtree serve: Chat Completions through the openai SDK', () => {
  it('answers with an RLM run over the conversation, with the tree usage', async () => {
    const res = await client().chat.completions.create({ model: MODEL, messages: speakerMessages() });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]!.message.content).toBe(expected);
    expect(res.choices[0]!.finish_reason).toBe('stop');
    // Six model calls in the tree (root twice, four children), all reported.
    expect((res.usage as unknown as { llm_calls: number }).llm_calls).toBe(6);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
  });

  it('streams progress as reasoning_content while the tree works, then the answer, then usage', async () => {
    const stream = await client().chat.completions.create({ model: MODEL, messages: speakerMessages(), stream: true, stream_options: { include_usage: true } });
    const order: string[] = [];
    let reasoning = '';
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      if (delta?.reasoning_content) (reasoning += delta.reasoning_content), order.push('reasoning');
      if (delta?.content) (text += delta.content), order.push('content');
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(expected);
    expect(reasoning).toMatch(/root delegated 4 agents: part_0, part_1, part_2, part_3/);
    expect(reasoning).toMatch(/root\.part_3 finished/);
    // Progress came in several chunks, all before the one answer chunk.
    expect(order.filter((o) => o === 'reasoning').length).toBeGreaterThan(5);
    expect(order.at(-1)).toBe('content');
    expect(order.indexOf('content')).toBe(order.length - 1);
    // The stream's second log line says how the run ended.
    const ended = (await serve.settledLogLines('/v1/chat/completions')).filter((l) => / stream ended \d+ms id=chatcmpl-\S+ answered$/.test(l));
    expect(ended.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('maps response_format json_schema to a typed result: the answer is JSON matching the schema', async () => {
    const schema = { type: 'object', properties: { speaker: { type: 'string' }, speeches: { type: 'integer' } }, required: ['speaker', 'speeches'], additionalProperties: false };
    const res = await client().chat.completions.create({
      model: MODEL,
      messages: [{ role: 'system', content: corpus }, { role: 'user', content: 'Who has the most speeches, as JSON?' }],
      response_format: { type: 'json_schema', json_schema: { name: 'top_speaker', schema, strict: true } },
    });
    expect(JSON.parse(res.choices[0]!.message.content!)).toEqual(topSpeaker(corpus));
    // The schema is enforced on done(): a value without a required field is refused back to the
    // model, which (scripted) has nothing else to say, so the run ends without an answer.
    const strict = { ...schema, properties: { ...schema.properties, play: { type: 'string' } }, required: [...schema.required, 'play'] };
    const refused = await client().chat.completions
      .create({
        model: MODEL,
        messages: [{ role: 'system', content: corpus }, { role: 'user', content: 'Who has the most speeches, as JSON?' }],
        response_format: { type: 'json_schema', json_schema: { name: 'top_speaker', schema: strict } },
      })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400, type: 'run_error' });
  });

  it('refuses tools, n > 1 and an unknown response_format type with a 400 naming the parameter', async () => {
    const tools = await client().chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'Say hello' }], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] })
      .catch((e: unknown) => e);
    expect(tools).toBeInstanceOf(OpenAI.BadRequestError);
    expect(tools).toMatchObject({ status: 400, param: 'tools', code: 'unsupported_parameter' });
    expect((tools as Error).message).toMatch(/does not return tool calls/);
    const n = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Say hello' }], n: 2 }).catch((e: unknown) => e);
    expect(n).toMatchObject({ status: 400, param: 'n', code: 'unsupported_parameter' });
    const format = await client().chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'Say hello' }], response_format: { type: 'grammar' } as never })
      .catch((e: unknown) => e);
    expect(format).toMatchObject({ status: 400, param: 'response_format.type' });
  });

  it('answers bad requests with OpenAI-style error bodies and statuses', async () => {
    const noMessages = await client().chat.completions.create({ model: MODEL, messages: [] }).catch((e: unknown) => e);
    expect(noMessages).toBeInstanceOf(OpenAI.BadRequestError);
    expect(noMessages).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'messages' });
    const unknownModel = await client().chat.completions.create({ model: 'gpt-nope', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(unknownModel).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknownModel).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    const badToken = await client({ apiKey: 'wrong' }).models.list().catch((e: unknown) => e);
    expect(badToken).toBeInstanceOf(OpenAI.AuthenticationError);
    const notJson = await fetch(`${serve.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{nope' });
    expect(notJson.status).toBe(400);
  });

  it('a run without an answer is a 400 run_error the SDK does not retry: one call, one tree', async () => {
    const before = (await serve.settledLogLines('/v1/chat/completions')).length;
    // The policy has no rule for this query, so the scripted model fails and the root ends with llm_error.
    const err = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'unscripted question' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, type: 'run_error', code: 'llm_error' });
    expect((err as Error).message).toMatch(/ended without an answer: llm_error/);
    expect((await serve.settledLogLines('/v1/chat/completions')).length).toBe(before + 1);
    // Streamed, the failure is an error object in the stream, which the SDK raises.
    const stream = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'unscripted question' }], stream: true });
    await expect((async () => { for await (const _ of stream) { /* drain */ } })()).rejects.toThrow(/ended without an answer/);
  });

  it('a client that aborts a stream stops its run', async () => {
    const controller = new AbortController();
    const stream = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Sleep' }], stream: true }, { signal: controller.signal });
    const started = performance.now();
    // The SDK ends the iteration when its signal aborts.
    for await (const chunk of stream) {
      if ((chunk.choices[0]?.delta as { reasoning_content?: string }).reasoning_content?.includes('runs cell')) controller.abort();
    }
    expect(controller.signal.aborted).toBe(true);
    await serve.runningTrees(0);
    // The cell sleeps 60 s: the run ended because it was cancelled, not because the cell finished.
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});

describe('rlmtree serve: the Responses API through the openai SDK', () => {
  it('answers responses.create with a message item and the tree usage', async () => {
    const res = await client().responses.create({ model: MODEL, instructions: corpus, input: QUERY });
    expect(res.status).toBe('completed');
    expect(res.output_text).toBe(expected);
    expect(res.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    expect(res.usage!.total_tokens).toBe(res.usage!.input_tokens + res.usage!.output_tokens);
  });

  it('streams reasoning summary deltas while the tree works, then the output text', async () => {
    const stream = await client().responses.create({ model: MODEL, input: [{ role: 'system', content: corpus }, { role: 'user', content: QUERY }], stream: true });
    const types: string[] = [];
    let summary = '';
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.reasoning_summary_text.delta') summary += event.delta;
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe(expected);
    expect(summary).toMatch(/root delegated 4 agents/);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types.lastIndexOf('response.reasoning_summary_text.delta')).toBeLessThan(types.indexOf('response.output_text.delta'));
  });

  it('maps text.format json_schema to a typed result', async () => {
    const schema = { type: 'object', properties: { speaker: { type: 'string' }, speeches: { type: 'integer' } }, required: ['speaker', 'speeches'], additionalProperties: false };
    const res = await client().responses.create({ model: MODEL, instructions: corpus, input: 'Who has the most speeches, as JSON?', text: { format: { type: 'json_schema', name: 'top', schema, strict: true } } });
    expect(JSON.parse(res.output_text)).toEqual(topSpeaker(corpus));
  });

  it('continues from earlier output items by item_reference, and refuses previous_response_id and tools with a 400', async () => {
    const first = await client().responses.create({ model: MODEL, input: 'Say hello' });
    const message = first.output.find((o) => o.type === 'message')!;
    const second = await client().responses.create({ model: MODEL, input: [{ role: 'user', content: 'Say hello' }, { type: 'item_reference', id: message.id }, { role: 'user', content: 'Say hello again' }] });
    expect(second.output_text).toBe('hello');
    const unknown = await client().responses.create({ model: MODEL, input: [{ type: 'item_reference', id: 'msg_nope' }, { role: 'user', content: 'Say hello' }] }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ status: 400, code: 'item_not_found' });
    const previous = await client().responses.create({ model: MODEL, input: 'Say hello', previous_response_id: first.id }).catch((e: unknown) => e);
    expect(previous).toMatchObject({ status: 400, param: 'previous_response_id' });
    expect((previous as Error).message).toMatch(/--sessions/);
    const tools = await client().responses.create({ model: MODEL, input: 'Say hello', tools: [{ type: 'function', name: 'f', parameters: {}, strict: false }] }).catch((e: unknown) => e);
    expect(tools).toMatchObject({ status: 400, param: 'tools' });
  });

  it('a run without an answer streams response.failed with the reason', async () => {
    const stream = await client().responses.create({ model: MODEL, input: 'unscripted question', stream: true });
    let failed: OpenAI.Responses.ResponseFailedEvent | undefined;
    for await (const event of stream) if (event.type === 'response.failed') failed = event;
    expect(failed?.response.error).toMatchObject({ code: 'llm_error', message: expect.stringMatching(/ended without an answer/) });
  });
});

describe('rlmtree serve: limits', () => {
  it('refuses a body over --max-body-size with a 413 before reading it', async () => {
    const before = (await serve.settledLogLines('/v1/chat/completions')).length;
    const big = 'x'.repeat(MAX_BODY + 1);
    const err = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: big }, { role: 'user', content: 'Say hello' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).toMatchObject({ status: 413, code: 'request_too_large' });
    // The SDK does not retry a 413.
    expect((await serve.settledLogLines('/v1/chat/completions')).length).toBe(before + 1);
  });

  it('refuses a tree past --max-concurrent-runs with a 429 and Retry-After', async () => {
    const controller = new AbortController();
    const sleeping = client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Sleep' }], stream: true }, { signal: controller.signal });
    const stream = await sleeping;
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next(); // the run holds the one slot now
    const busy = await client({ maxRetries: 0 }).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Say hello' }] }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(OpenAI.RateLimitError);
    expect(busy).toMatchObject({ status: 429, code: 'server_busy' });
    expect((busy as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
    controller.abort();
    await iterator.next().catch(() => {});
    await serve.runningTrees(0);
  });
});

describe('rlmtree serve: stopping', () => {
  it('stops on SIGTERM although a client holds a connection that never sent a request', async () => {
    // Node's server.close() alone waits for such a connection for good (a pre-connect, a TCP probe).
    const own = await startServeProcess(['--model', `scripted:${SERVE_POLICY}`]);
    const { hostname, port } = new URL(own.baseURL);
    const silent = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => silent.once('connect', resolve).once('error', reject));
    const ended = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    const exit = new Promise<number | null>((resolve) => own.child.once('exit', (code) => resolve(code)));
    await own.stop();
    expect(await exit).toBe(0);
    await ended; // the server ended the silent connection instead of waiting for it
  });
});
