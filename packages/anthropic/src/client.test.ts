// AnthropicClient through the real `@anthropic-ai/sdk` against a local server speaking the Messages API.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LLMError, PriceTable, ScriptedLLM } from '@rlmtree/core';
import { AnthropicClient, toAnthropicMessages } from './client.ts';
import { startFakeAnthropic, type FakeAnthropicServer } from './testing/fake-server.ts';

let server: FakeAnthropicServer;
const savedKey = process.env.ANTHROPIC_API_KEY;
const table = new PriceTable({ 'claude-fake': { inputPerMTok: 3, cacheWritePerMTok: 3.75, cachedInputPerMTok: 0.3, outputPerMTok: 15 } });
const quickRetry = { 'retry-after-ms': '5' };

beforeAll(async () => {
  delete process.env.ANTHROPIC_API_KEY;
  server = await startFakeAnthropic({ reply: new ScriptedLLM((req) => `claude says: ${req.messages[req.messages.length - 1]!.content.slice(0, 40)}`) });
});
afterAll(async () => {
  if (savedKey !== undefined) process.env.ANTHROPIC_API_KEY = savedKey;
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.faults.length = 0;
});

const client = (extra: Partial<ConstructorParameters<typeof AnthropicClient>[0]> = {}) =>
  new AnthropicClient({ model: 'claude-fake', baseURL: server.baseURL, apiKey: 'sk-ant-test', prices: table, ...extra });

const conversation = [
  { role: 'system' as const, content: 'SYSTEM '.repeat(100) },
  { role: 'user' as const, content: 'QUERY '.repeat(100) },
  { role: 'assistant' as const, content: 'looking' },
  { role: 'user' as const, content: 'output: 42' },
];

const conversationTail = conversation.slice(1);

describe('AnthropicClient request', () => {
  it('sends a responseFormat as output_config.format json_schema (structured outputs), and none without one', async () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false };
    await client().complete({ messages: [{ role: 'user', content: 'count' }], responseFormat: { type: 'json_schema', name: 'count', schema, strict: true } });
    await client().complete({ messages: [{ role: 'user', content: 'plain' }] });
    expect(server.requests[0]!.body.output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(server.requests[1]!.body).not.toHaveProperty('output_config');
  });

  it('splits the system prompt out, sets max_tokens and marks the stable prefix for caching', async () => {
    const reply = await client({ maxTokens: 1234 }).complete({ messages: conversation });
    expect(reply.text).toBe('claude says: output: 42');
    const req = server.requests[0]!;
    expect(req.path).toBe('/v1/messages');
    // SDK 1.x sends the key as a bearer token.
    expect(req.headers.authorization).toBe('Bearer sk-ant-test');
    expect(req.headers['anthropic-version']).toBeTruthy();
    expect(req.body).toEqual({
      model: 'claude-fake',
      max_tokens: 1234,
      system: [{ type: 'text', text: conversation[0]!.content, cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: conversation[1]!.content, cache_control: { type: 'ephemeral' } }] },
        { role: 'assistant', content: 'looking' },
        { role: 'user', content: 'output: 42' },
      ],
    });
  });

  it('sends a call\'s own max_tokens (over the client default) and temperature', async () => {
    await client({ maxTokens: 1234 }).complete({ messages: conversation, maxTokens: 9, temperature: 0.5 });
    expect(server.requests[0]!.body).toMatchObject({ max_tokens: 9, temperature: 0.5 });
  });

  it('sends no key header when no key is set, and no cache marks when caching is off', async () => {
    await client({ apiKey: undefined, promptCaching: false }).complete({ messages: conversation });
    const req = server.requests[0]!;
    expect(req.headers['x-api-key']).toBeUndefined();
    expect(req.headers.authorization).toBeUndefined();
    expect(JSON.stringify(req.body)).not.toContain('cache_control');
  });

  it('merges consecutive messages of one role and joins several system messages', () => {
    const { system, messages } = toAnthropicMessages(
      [
        { role: 'system', content: 'a' },
        { role: 'system', content: 'b' },
        { role: 'user', content: 'u1' },
        { role: 'user', content: 'u2' },
        { role: 'assistant', content: 'x' },
      ],
      false,
    );
    expect(system).toEqual([{ type: 'text', text: 'a\n\nb' }]);
    expect(messages).toEqual([
      { role: 'user', content: 'u1\n\nu2' },
      { role: 'assistant', content: 'x' },
    ]);
  });
});

describe('AnthropicClient usage: prompt caching', () => {
  it('reports the cache write on the first call and the cache read on the next, priced at their rates', async () => {
    // A prefix no other test sent, so the first call writes the cache. Same length as `conversation`'s.
    const conversation = [{ role: 'system' as const, content: 'CACHE! '.repeat(100) }, ...conversationTail];
    const first = await client().complete({ messages: conversation });
    const second = await client().complete({ messages: [...conversation, { role: 'assistant', content: 'more' }, { role: 'user', content: 'next' }] });
    expect(first.usage.cacheWriteTokens).toBe(325); // 700 + 600 characters of system + first user message
    expect(first.usage.cachedTokens).toBe(0);
    expect(second.usage.cachedTokens).toBe(325);
    expect(second.usage.cacheWriteTokens).toBe(0);
    for (const u of [first.usage, second.usage]) {
      expect(u.inputTokens).toBeGreaterThan(325); // every input token, cached ones included
      const uncached = u.inputTokens - u.cachedTokens - (u.cacheWriteTokens ?? 0);
      expect(u.costUsd).toBeCloseTo((uncached * 3 + u.cachedTokens * 0.3 + (u.cacheWriteTokens ?? 0) * 3.75 + u.outputTokens * 15) / 1e6, 12);
    }
    expect(second.usage.costUsd).toBeLessThan(first.usage.costUsd);
  });
});

describe('AnthropicClient failures', () => {
  it('retries a 429 and succeeds', async () => {
    server.faults.push({ status: 429, headers: quickRetry });
    await expect(client().complete({ messages: conversation })).resolves.toMatchObject({ text: 'claude says: output: 42' });
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after a 500 three times with an http LLMError', async () => {
    server.faults.push(...[1, 2, 3].map(() => ({ status: 500, headers: quickRetry })));
    const err = await client().complete({ messages: conversation }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LLMError);
    expect(err).toMatchObject({ kind: 'http', status: 500 });
    expect(server.requests).toHaveLength(3);
  });

  it('times out', async () => {
    server.faults.push({ delayMs: 1500 });
    const err = await client({ timeoutMs: 150, maxRetries: 0 }).complete({ messages: conversation }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'LLMError', kind: 'timeout' });
  });

  it.each([
    ['a body that is not JSON', 'not json {'],
    ['a reply with no text', { id: 'm', type: 'message', role: 'assistant', model: 'claude-fake', content: [], stop_reason: 'max_tokens', usage: { input_tokens: 1, output_tokens: 0 } }],
  ])('rejects %s as malformed', async (_what, body) => {
    server.faults.push({ status: 200, body });
    const err = await client({ maxRetries: 0 }).complete({ messages: conversation }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'LLMError', kind: 'malformed' });
  });

  it('cancels an in-flight call when the signal aborts', async () => {
    server.faults.push({ delayMs: 3000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const err = await client().complete({ messages: conversation, signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'LLMError', kind: 'aborted' });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('AnthropicClient streaming', () => {
  it('streams text deltas to onToken and returns the whole text with usage', async () => {
    const fragments: string[] = [];
    const reply = await client().complete({ messages: conversation, onToken: (f) => fragments.push(f) });
    // This test's request is the streamed one: the previous test's aborted call can still reach the
    // server (and be recorded) after beforeEach cleared the list, so index 0 may be that one.
    expect(server.requests.filter((r) => r.body?.stream === true)).toHaveLength(1);
    expect(fragments.length).toBeGreaterThan(2);
    expect(fragments.join('')).toBe(reply.text);
    expect(reply.text).toBe('claude says: output: 42');
    expect(reply.usage.outputTokens).toBeGreaterThan(0);
    expect(reply.usage.inputTokens).toBeGreaterThan(0);
  });
});
