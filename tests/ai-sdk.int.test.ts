/**
 * `@rlmtree/ai-sdk` both ways, on the real subprocess runtime: the main job with an AI SDK model
 * object as the root model (the AI SDK's MockLanguageModelV4 standing in for a provider, replying
 * with the main job's scripted policy), and an RLM as the AI SDK's model (`generateText`,
 * `streamText`, `generateObject`) on the Tiny Shakespeare question.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnsupportedFunctionalityError, type LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { fromPrompt, rlmtreeModel } from '@rlmtree/ai-sdk';
import { parseScript, RLM, ScriptedLLM } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { generateObject, generateText, streamText, tool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { askWithGenerateText } from '../examples/ai-sdk/generate-text.ts';
import { mostSpeeches } from '../examples/ai-sdk/root-model.ts';
import speakersPolicy from '../examples/speakers/policy.mjs';
import servePolicy from './fixtures/serve-policy.mjs';
import { ROOT } from './helpers/cli.ts';
import { topSpeaker } from './speakers.ts';

const corpus = await readFile(join(ROOT, 'examples/data/tinyshakespeare.txt'), 'utf8');
const top = topSpeaker(corpus);
const expected = `${top.speaker} has the most speeches: ${top.speeches}`;
const runtime = new SubprocessRuntime();
afterAll(() => runtime.close());

describe('an AI SDK model as the root model (fromAISDK)', () => {
  it('runs the main job with a MockLanguageModelV4 in place of a provider', async () => {
    // The mock answers as a provider would: from the prompt it is sent (here, by the main job's policy).
    const policy = new ScriptedLLM(parseScript(speakersPolicy, 'policy'));
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'mock-speakers',
      doGenerate: async (options: LanguageModelV4CallOptions) => {
        const reply = await policy.complete({ messages: fromPrompt(options.prompt) });
        return { content: [{ type: 'text', text: reply.text }], finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } }, warnings: [] };
      },
    });
    expect(await mostSpeeches(model)).toBe(expected);
    // Root twice, four children once each: every model call went through the AI SDK model.
    expect(model.doGenerateCalls).toHaveLength(6);
    expect(model.doGenerateCalls[0]!.prompt[0]!.role).toBe('system');
  });
});

describe('an RLM as the AI SDK model (rlmtreeModel)', () => {
  it('generateText answers the Tiny Shakespeare question with the whole tree usage', async () => {
    const res = await askWithGenerateText(new ScriptedLLM(parseScript(speakersPolicy, 'policy')));
    expect(res.text).toBe(expected);
    expect(res.finishReason).toBe('stop');
    expect(res.providerMetadata?.rlmtree).toMatchObject({ agents: 5, llmCalls: 6 });
    expect(res.usage.inputTokens).toBeGreaterThan(0);
    expect(res.usage.totalTokens).toBe(res.usage.inputTokens! + res.usage.outputTokens!);
  });

  const model = () => rlmtreeModel({ llm: new ScriptedLLM(parseScript(servePolicy, 'serve-policy')), runtime });

  it('streamText shows progress as reasoning while the tree works, then the answer', async () => {
    const res = streamText({ model: model(), system: corpus, prompt: 'Which speaker has the most speeches in this text, and how many?' });
    const parts: string[] = [];
    let reasoning = '';
    for await (const part of res.fullStream) {
      parts.push(part.type);
      if (part.type === 'reasoning-delta') reasoning += part.text;
    }
    expect(await res.text).toBe(expected);
    expect(reasoning).toMatch(/root delegated 4 agents: part_0, part_1, part_2, part_3/);
    expect(parts.lastIndexOf('reasoning-delta')).toBeLessThan(parts.indexOf('text-delta'));
    expect((await res.usage).inputTokens).toBeGreaterThan(0);
  });

  it('generateObject gets the typed result; a value off the schema is refused, never returned', async () => {
    const TopSpeaker = z.object({ speaker: z.string(), speeches: z.number().int() });
    const { object } = await generateObject({ model: model(), schema: TopSpeaker, system: corpus, prompt: 'Who has the most speeches, as JSON?' });
    expect(object).toEqual(top);
    const strict = TopSpeaker.extend({ play: z.string() });
    await expect(generateObject({ model: model(), schema: strict, system: corpus, prompt: 'Who has the most speeches, as JSON?', maxRetries: 0 })).rejects.toThrow(/ended without an answer/);
  });

  it('tools are refused (UnsupportedFunctionalityError), sampling settings give a warning', async () => {
    const err = await generateText({ model: model(), prompt: 'Say hello', tools: { f: tool({ inputSchema: z.object({}), execute: async () => 1 }) } }).catch((e: unknown) => e);
    expect(UnsupportedFunctionalityError.isInstance(err)).toBe(true);
    const res = await generateText({ model: model(), prompt: 'Say hello', temperature: 0.2 });
    expect(res.text).toBe('hello');
    expect(res.warnings).toEqual([{ type: 'unsupported', feature: 'temperature', details: "an RLM's own models keep their settings" }]);
  });

  it('a run without an answer rejects once: the AI SDK does not retry it', async () => {
    const llm = new ScriptedLLM(parseScript(servePolicy, 'serve-policy'));
    let calls = 0;
    const counting = { name: 'counting', complete: (r: Parameters<typeof llm.complete>[0]) => (calls++, llm.complete(r)) };
    // One tree's model calls, measured directly with the same scripted model.
    await expect(new RLM({ llm: counting, runtime }).run('unscripted question', 'unscripted question')).rejects.toThrow(/ended without an answer/);
    const oneTree = calls;
    await expect(generateText({ model: rlmtreeModel({ llm: counting, runtime }), prompt: 'unscripted question' })).rejects.toThrow(/ended without an answer/);
    expect(calls - oneTree).toBe(oneTree);
  });
});
