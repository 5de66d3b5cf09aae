// OpenAIClient through the real `openai` SDK against a local server speaking OpenAI's wire format.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Engine, LLMError, PriceTable, ScriptedLLM, type Runtime } from '@rlmtree/core';
import { OpenAIClient } from './client.ts';
import { startFakeOpenAI, type FakeOpenAIServer } from './testing/fake-server.ts';

let server: FakeOpenAIServer;
const savedEnv = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
const table = new PriceTable({ 'fake-model': { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 } });
const quickRetry = { 'retry-after-ms': '5' };

beforeAll(async () => {
  server = await startFakeOpenAI({
    reply: new ScriptedLLM((req) => `echo(${req.model}): ${req.messages[req.messages.length - 1]!.content}`),
  });
});
afterAll(() => server.close());
beforeEach(() => {
  delete process.env.OPENAI_API_KEY;
  delete process.env.OPENAI_BASE_URL;
  server.requests.length = 0;
  server.faults.length = 0;
});
afterEach(() => {
  for (const [name, value] of [['OPENAI_API_KEY', savedEnv.key], ['OPENAI_BASE_URL', savedEnv.url]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const client = (extra: Partial<ConstructorParameters<typeof OpenAIClient>[0]> = {}) =>
  new OpenAIClient({ model: 'fake-model', baseURL: server.baseURL, prices: table, ...extra });

describe('OpenAIClient request', () => {
  it('sends the messages, model and reasoning options as OpenAI expects, and no key when none is set', async () => {
    const reply = await client({ reasoningEffort: 'low', maxCompletionTokens: 500, extraBody: { verbosity: 'low' } }).complete({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(reply.text).toBe('echo(fake-model): hi');
    const req = server.requests[0]!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.body).toEqual({
      model: 'fake-model',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
      reasoning_effort: 'low',
      max_completion_tokens: 500,
      verbosity: 'low',
    });
    expect(req.headers.authorization).toBeUndefined();
  });

  it('sends a call\'s own max_tokens (over the client default) and temperature', async () => {
    await client({ maxCompletionTokens: 500 }).complete({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 7, temperature: 0.2 });
    expect(server.requests[0]!.body).toMatchObject({ max_completion_tokens: 7, temperature: 0.2 });
  });

  it('sends a responseFormat as response_format json_schema (name, schema, strict), and none without one', async () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false };
    await client().complete({ messages: [{ role: 'user', content: 'count' }], responseFormat: { type: 'json_schema', name: 'count', schema, strict: true } });
    await client().complete({ messages: [{ role: 'user', content: 'plain' }] });
    expect(server.requests[0]!.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'count', schema, strict: true } });
    expect(server.requests[1]!.body).not.toHaveProperty('response_format');
  });

  it('reports a structured-output refusal (message.refusal) as a malformed LLMError naming it', async () => {
    const refused = { id: 'c', object: 'chat.completion', created: 0, model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop', logprobs: null }] };
    server.faults.push({ status: 200, body: refused });
    const err = await client({ maxRetries: 0 }).complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'malformed', message: 'openai:fake-model: the model refused: I cannot help with that.' });
  });

  it('takes the key from the option or OPENAI_API_KEY, and the base URL from OPENAI_BASE_URL', async () => {
    await client({ apiKey: 'sk-option' }).complete({ messages: [{ role: 'user', content: 'a' }] });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-option');
    process.env.OPENAI_API_KEY = 'sk-env';
    process.env.OPENAI_BASE_URL = server.baseURL;
    const fromEnv = new OpenAIClient({ model: 'fake-model' });
    await fromEnv.complete({ messages: [{ role: 'user', content: 'b' }] });
    expect(server.requests[1]!.headers.authorization).toBe('Bearer sk-env');
  });

  it('sends the model a request names (sub-calls to another model)', async () => {
    const reply = await client().complete({ messages: [{ role: 'user', content: 'x' }], model: 'fake-mini' });
    expect(server.requests[0]!.body.model).toBe('fake-mini');
    expect(reply.text).toBe('echo(fake-mini): x');
    expect(reply.model).toBe('fake-mini');
  });
});

describe('OpenAIClient usage and cost', () => {
  it('reads input, output and cached tokens and prices them', async () => {
    const messages = [
      { role: 'system' as const, content: 'S'.repeat(400) },
      { role: 'user' as const, content: 'U'.repeat(400) },
      { role: 'assistant' as const, content: 'ok' },
      { role: 'user' as const, content: 'again' },
    ];
    const first = await client().complete({ messages });
    expect(first.usage.cachedTokens).toBe(0);
    const second = await client().complete({ messages });
    const { inputTokens, outputTokens, cachedTokens } = second.usage;
    expect(inputTokens).toBeGreaterThan(200);
    expect(cachedTokens).toBe(200); // the server cached the 800-character prefix: 200 tokens
    expect(outputTokens).toBeGreaterThan(0);
    expect(second.usage.llmCalls).toBe(1);
    expect(second.usage.costUsd).toBeCloseTo(((inputTokens - cachedTokens) * 2 + cachedTokens * 0.5 + outputTokens * 8) / 1e6, 12);
    expect(first.usage.costUsd).toBeGreaterThan(second.usage.costUsd);
  });

  it('costs 0 for a model with no price', async () => {
    const reply = await client({ model: 'unpriced' }).complete({ messages: [{ role: 'user', content: 'x' }] });
    expect(reply.usage.inputTokens).toBeGreaterThan(0);
    expect(reply.usage.costUsd).toBe(0);
  });
});

describe('OpenAIClient failures', () => {
  it('retries a 429 and succeeds', async () => {
    server.faults.push({ status: 429, headers: quickRetry });
    const reply = await client().complete({ messages: [{ role: 'user', content: 'x' }] });
    expect(reply.text).toBe('echo(fake-model): x');
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after a 500 three times with an http LLMError carrying the status', async () => {
    server.faults.push(...[1, 2, 3].map(() => ({ status: 500, headers: quickRetry })));
    const err = await client().complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LLMError);
    expect(err).toMatchObject({ kind: 'http', status: 500 });
    expect((err as Error).message).toMatch(/^openai:fake-model: HTTP 500/);
    expect(server.requests).toHaveLength(3);
  });

  it('times out (each attempt) and says so', async () => {
    server.faults.push({ delayMs: 1500 }, { delayMs: 1500 });
    const started = performance.now();
    const err = await client({ timeoutMs: 150, maxRetries: 1 }).complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'LLMError', kind: 'timeout' });
    expect(performance.now() - started).toBeLessThan(1400);
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    ['a body that is not JSON', 'not json {'],
    ['no choices', { id: 'x', object: 'chat.completion', created: 0, model: 'fake-model', choices: [] }],
    ['an empty reply', { id: 'x', object: 'chat.completion', created: 0, model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'length' }] }],
    ['a null body', 'null'],
  ])('rejects %s as malformed', async (_what, body) => {
    server.faults.push({ status: 200, body });
    const err = await client({ maxRetries: 0 }).complete({ messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'LLMError', kind: 'malformed' });
  });

  it('cancels an in-flight call when the signal aborts', async () => {
    server.faults.push({ delayMs: 3000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const err = await client().complete({ messages: [{ role: 'user', content: 'x' }], signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'LLMError', kind: 'aborted' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a connection refused is an LLMError too', async () => {
    const err = await new OpenAIClient({ model: 'm', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 })
      .complete({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'LLMError', kind: 'other' });
  });

  it('in a run, a model that keeps failing ends the agent with a structured error, not a crash', async () => {
    server.faults.push(...[1, 2, 3].map(() => ({ status: 503, headers: quickRetry })));
    const noRuntime: Runtime = { open: () => Promise.reject(new Error('no REPL needed')), close: async () => {} } as unknown as Runtime;
    const engine = new Engine({ llm: client(), runtime: noRuntime });
    const state = await engine.run('q', 'ctx');
    const root = state.nodes[state.rootId]!;
    expect(root.status).toBe('FINISHED');
    expect(root.error).toMatchObject({ kind: 'llm_error' });
    expect(root.error!.message).toMatch(/HTTP 503/);
  });
});

describe('OpenAIClient streaming', () => {
  it('streams fragments to onToken and still returns the whole text and usage', async () => {
    const fragments: string[] = [];
    const reply = await client().complete({ messages: [{ role: 'user', content: 'a longer prompt to echo back' }], onToken: (f) => fragments.push(f) });
    expect(server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(fragments.length).toBeGreaterThan(2);
    expect(fragments.join('')).toBe(reply.text);
    expect(reply.text).toBe('echo(fake-model): a longer prompt to echo back');
    expect(reply.usage.outputTokens).toBeGreaterThan(0);
    expect(reply.usage.costUsd).toBeGreaterThan(0);
  });
});
