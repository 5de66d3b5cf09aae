/**
 * `rlmtree serve` driven by the Vercel AI SDK (`ai`) through both of its OpenAI providers:
 * `@ai-sdk/openai` (its default Responses API model and `openai.chat`) and
 * `@ai-sdk/openai-compatible`. Plain, streamed (progress as reasoning, then the answer),
 * structured output, abort, errors, and no warnings on a plain call.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, generateObject, generateText, Output, streamText, tool, type LanguageModel } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ROOT } from './helpers/cli.ts';
import { SERVE_POLICY, startServeProcess, type ServeProcess } from './helpers/serve.ts';
import { topSpeaker } from './speakers.ts';

const QUERY = 'Which speaker has the most speeches in this text, and how many?';
const MODEL = 'rlm-speakers';
let serve: ServeProcess;
let corpus: string;
let expected: string;
const warnings: unknown[] = [];

beforeAll(async () => {
  corpus = await readFile(join(ROOT, 'examples/data/tinyshakespeare.txt'), 'utf8');
  const top = topSpeaker(corpus);
  expected = `${top.speaker} has the most speeches: ${top.speeches}`;
  serve = await startServeProcess(['--model', `scripted:${SERVE_POLICY}`, '--served-model-name', MODEL]);
  // The AI SDK's hook for its warnings: collect them instead of printing.
  (globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS = (o: { warnings: unknown[] }) => warnings.push(...o.warnings);
});
afterAll(() => serve.stop());
afterEach(() => void (warnings.length = 0));

const openai = () => createOpenAI({ baseURL: serve.baseURL, apiKey: 'unused' });
const compatible = () => createOpenAICompatible({ name: 'rlmtree', baseURL: serve.baseURL, apiKey: 'unused', supportsStructuredOutputs: true });
const TopSpeaker = z.object({ speaker: z.string(), speeches: z.number().int() });

/** The three ways to reach serve, each a LanguageModel the AI SDK's functions take. */
const models: [string, () => LanguageModel][] = [
  ['@ai-sdk/openai (Responses API, the default)', () => openai()(MODEL)],
  ['@ai-sdk/openai .chat (Chat Completions)', () => openai().chat(MODEL)],
  ['@ai-sdk/openai-compatible', () => compatible()(MODEL)],
];

describe.each(models)('AI SDK with %s', (_name, model) => {
  it('generateText: the RLM answers over the long system prompt, with the tree usage and no warning', async () => {
    const res = await generateText({ model: model(), system: corpus, prompt: QUERY });
    expect(res.text).toBe(expected);
    expect(res.usage.inputTokens).toBeGreaterThan(0);
    expect(res.finishReason).toBe('stop');
    expect(res.warnings ?? []).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('streamText: progress arrives as reasoning while the tree works, then the answer', async () => {
    const res = streamText({ model: model(), system: corpus, prompt: QUERY });
    const parts: string[] = [];
    let reasoning = '';
    for await (const part of res.fullStream) {
      parts.push(part.type);
      if (part.type === 'reasoning-delta') reasoning += part.text;
      if (part.type === 'error') throw part.error;
    }
    expect(await res.text).toBe(expected);
    if (_name.includes('.chat')) {
      // OpenAI's own chat API has no reasoning field, so this provider shows no progress; the answer still streams.
      expect(reasoning).toBe('');
    } else {
      expect(reasoning).toMatch(/root delegated 4 agents/);
      expect(parts.lastIndexOf('reasoning-delta')).toBeLessThan(parts.indexOf('text-delta'));
    }
  });

  it('structured output (generateObject and Output.object) through the typed result', async () => {
    const { object } = await generateObject({ model: model(), schema: TopSpeaker, system: corpus, prompt: 'Who has the most speeches, as JSON?' });
    expect(object).toEqual(topSpeaker(corpus));
    const res = await generateText({ model: model(), output: Output.object({ schema: TopSpeaker }), system: corpus, prompt: 'Who has the most speeches, as JSON?' });
    expect(res.output).toEqual(topSpeaker(corpus));
  });

  it('tools are refused with a clear 400, not ignored', async () => {
    const err = await generateText({ model: model(), prompt: 'Say hello', tools: { weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async () => 'sunny' }) } }).catch((e: unknown) => e);
    expect(APICallError.isInstance(err)).toBe(true);
    expect((err as APICallError).statusCode).toBe(400);
    expect((err as APICallError).isRetryable).toBe(false);
    expect((err as Error).message).toMatch(/does not return tool calls/);
  });

  it('a run without an answer is a non-retryable error: one call, one tree', async () => {
    const err = await generateText({ model: model(), prompt: 'unscripted question' }).catch((e: unknown) => e);
    expect(APICallError.isInstance(err)).toBe(true);
    expect(err).toMatchObject({ statusCode: 400, isRetryable: false });
    expect((err as Error).message).toMatch(/ended without an answer/);
  });

  it('abortSignal stops the run', async () => {
    const controller = new AbortController();
    const res = streamText({ model: model(), prompt: 'Sleep', abortSignal: controller.signal, onError: () => {} });
    const text = Promise.resolve(res.text).catch((e: unknown) => e);
    await serve.runningTrees(1); // the tree runs (its cell sleeps 60 s)
    controller.abort();
    expect(await text).toBeInstanceOf(Error);
    await serve.runningTrees(0);
  });
});
