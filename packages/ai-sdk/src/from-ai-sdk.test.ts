/** `fromAISDK` against the AI SDK's own mock model (`ai/test`), the way AI SDK providers are tested. */
import { APICallError } from '@ai-sdk/provider';
import { LLMError, PriceTable } from '@rlmtree/core';
import { convertArrayToReadableStream, MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { fromAISDK } from './from-ai-sdk.ts';

const usage = { inputTokens: { total: 120, noCache: 100, cacheRead: 20, cacheWrite: undefined }, outputTokens: { total: 30, text: 30, reasoning: undefined } };
const finish = { unified: 'stop' as const, raw: 'stop' };
const generated = (text: string) => ({ content: [{ type: 'text' as const, text }], finishReason: finish, usage, warnings: [] });
const messages = [
  { role: 'system' as const, content: 'be brief' },
  { role: 'user' as const, content: 'hi' },
];

describe('fromAISDK', () => {
  it('sends the messages as a provider prompt and returns the text with usage, priced by modelId', async () => {
    const model = new MockLanguageModelV4({ provider: 'mock', modelId: 'mock-1', doGenerate: generated('hello there') });
    const client = fromAISDK(model, { prices: new PriceTable({ 'mock-1': { inputPerMTok: 1, outputPerMTok: 10, cachedInputPerMTok: 0.5 } }), temperature: 0 });
    const reply = await client.complete({ messages });
    expect(client.name).toBe('ai-sdk:mock/mock-1');
    expect(reply.text).toBe('hello there');
    expect(reply.usage).toMatchObject({ inputTokens: 120, outputTokens: 30, cachedTokens: 20, llmCalls: 1 });
    expect(reply.usage.costUsd).toBeCloseTo((100 * 1 + 20 * 0.5 + 30 * 10) / 1e6, 12);
    expect(model.doGenerateCalls[0]!.prompt).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    ]);
    expect(model.doGenerateCalls[0]!.temperature).toBe(0);
  });

  it('passes a responseFormat as the AI SDK responseFormat {type: "json", schema, name}', async () => {
    const model = new MockLanguageModelV4({ doGenerate: generated('{"n": 2}') });
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    const reply = await fromAISDK(model).complete({ messages, responseFormat: { type: 'json_schema', name: 'count', schema, strict: false } });
    expect(reply.text).toBe('{"n": 2}');
    expect(model.doGenerateCalls[0]!.responseFormat).toEqual({ type: 'json', schema, name: 'count' });
    await fromAISDK(model).complete({ messages });
    expect(model.doGenerateCalls[1]!.responseFormat).toBeUndefined();
  });

  it('rejects with kind "unsupported", not plain text, when the provider warns it ignores the response format', async () => {
    const warnings = [{ type: 'unsupported' as const, feature: 'responseFormat', details: 'JSON schema is only supported with structuredOutputs' }];
    const model = new MockLanguageModelV4({ doGenerate: { ...generated('some prose'), warnings } });
    const format = { type: 'json_schema' as const, name: 'count', schema: { type: 'object' }, strict: false };
    const err = await fromAISDK(model, { retryDelayMs: 1 }).complete({ messages, responseFormat: format }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LLMError);
    expect(err).toMatchObject({ kind: 'unsupported' });
    expect((err as Error).message).toBe('ai-sdk:mock-provider/mock-model-id: the model does not support a JSON schema response format (JSON schema is only supported with structuredOutputs)');
    expect(model.doGenerateCalls).toHaveLength(1);
    const streamed = new MockLanguageModelV4({ doStream: { stream: convertArrayToReadableStream([{ type: 'stream-start', warnings }, { type: 'text-delta', id: 't', delta: 'prose' }, { type: 'finish', finishReason: finish, usage }]) } });
    await expect(fromAISDK(streamed).complete({ messages, responseFormat: format, onToken: () => {} })).rejects.toMatchObject({ kind: 'unsupported' });
    // Without a response format the same warning is not a failure.
    expect((await fromAISDK(model).complete({ messages })).text).toBe('some prose');
  });

  it('streams through doStream when the request has onToken', async () => {
    const model = new MockLanguageModelV4({
      doStream: {
        stream: convertArrayToReadableStream([
          { type: 'stream-start', warnings: [] },
          { type: 'text-start', id: 't' },
          { type: 'text-delta', id: 't', delta: 'hel' },
          { type: 'text-delta', id: 't', delta: 'lo' },
          { type: 'text-end', id: 't' },
          { type: 'finish', finishReason: finish, usage },
        ]),
      },
    });
    const fragments: string[] = [];
    const reply = await fromAISDK(model).complete({ messages, onToken: (f) => fragments.push(f) });
    expect(fragments).toEqual(['hel', 'lo']);
    expect(reply.text).toBe('hello');
    expect(reply.usage.outputTokens).toBe(30);
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it('passes the abort signal and reports an aborted call as kind "aborted"', async () => {
    const controller = new AbortController();
    const model = new MockLanguageModelV4({
      doGenerate: async (options) => {
        controller.abort();
        options.abortSignal!.throwIfAborted();
        return generated('never');
      },
    });
    const err = await fromAISDK(model).complete({ messages, signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LLMError);
    expect(err).toMatchObject({ kind: 'aborted' });
  });

  it('retries what the AI SDK marks retryable, then maps the status to an http LLMError', async () => {
    const overloaded = () => new APICallError({ message: 'overloaded', url: 'http://x', requestBodyValues: {}, statusCode: 429 });
    let calls = 0;
    const flaky = new MockLanguageModelV4({ doGenerate: async () => (++calls < 2 ? Promise.reject(overloaded()) : generated('ok')) });
    expect((await fromAISDK(flaky, { retryDelayMs: 1 }).complete({ messages })).text).toBe('ok');
    expect(calls).toBe(2);

    let badCalls = 0;
    const bad = new MockLanguageModelV4({ doGenerate: async () => Promise.reject((badCalls++, new APICallError({ message: 'bad request', url: 'http://x', requestBodyValues: {}, statusCode: 400 }))) });
    const err = await fromAISDK(bad, { retryDelayMs: 1 }).complete({ messages }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'http', status: 400 });
    expect((err as Error).message).toMatch(/^ai-sdk:mock-provider\/mock-model-id: HTTP 400: bad request/);
    expect(badCalls).toBe(1);

    const down = new MockLanguageModelV4({ doGenerate: async () => Promise.reject(overloaded()) });
    expect(await fromAISDK(down, { retryDelayMs: 1, maxRetries: 1 }).complete({ messages }).catch((e: unknown) => e)).toMatchObject({ kind: 'http', status: 429 });
  });

  it('a reply without text is malformed', async () => {
    const model = new MockLanguageModelV4({ doGenerate: { content: [], finishReason: finish, usage, warnings: [] } });
    expect(await fromAISDK(model).complete({ messages }).catch((e: unknown) => e)).toMatchObject({ kind: 'malformed' });
  });
});
