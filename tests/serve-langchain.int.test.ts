/**
 * `rlmtree serve` driven by LangChain.js `ChatOpenAI` (`@langchain/openai`), over Chat Completions
 * and with `useResponsesApi`: invoke, stream (progress as reasoning, then the answer),
 * withStructuredOutput (JSON Schema mode, the default for this model id), bindTools refused with a
 * clear 400, a run without an answer not retried, abort.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HumanMessage, SystemMessage, type AIMessageChunk } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ROOT } from './helpers/cli.ts';
import { SERVE_POLICY, startServeProcess, type ServeProcess } from './helpers/serve.ts';
import { topSpeaker } from './speakers.ts';

const QUERY = 'Which speaker has the most speeches in this text, and how many?';
const MODEL = 'rlm-speakers';
let serve: ServeProcess;
let corpus: string;
let expected: string;

beforeAll(async () => {
  corpus = await readFile(join(ROOT, 'examples/data/tinyshakespeare.txt'), 'utf8');
  const top = topSpeaker(corpus);
  expected = `${top.speaker} has the most speeches: ${top.speeches}`;
  serve = await startServeProcess(['--model', `scripted:${SERVE_POLICY}`, '--served-model-name', MODEL]);
});
afterAll(() => serve.stop());

const TopSpeaker = z.object({ speaker: z.string(), speeches: z.number().int() });

describe.each([
  ['Chat Completions', false, '/v1/chat/completions'],
  ['useResponsesApi', true, '/v1/responses'],
] as const)('LangChain ChatOpenAI over %s', (_name, useResponsesApi, path) => {
  // LangChain's own retries stay at their default (6), so a retried failure would show in the log.
  const chat = () => new ChatOpenAI({ model: MODEL, apiKey: 'unused', configuration: { baseURL: serve.baseURL }, useResponsesApi });
  const messages = () => [new SystemMessage(corpus), new HumanMessage(QUERY)];

  it('invoke: the RLM answers, with usage', async () => {
    const reply = await chat().invoke(messages());
    expect(reply.text).toBe(expected);
    expect(reply.usage_metadata?.input_tokens).toBeGreaterThan(0);
  });

  it('stream: progress arrives as reasoning before the answer', async () => {
    let text = '';
    let reasoning = '';
    const order: string[] = [];
    for await (const chunk of await chat().stream(messages())) {
      const c = chunk as AIMessageChunk;
      const r = useResponsesApi
        ? ((c.additional_kwargs.reasoning as { summary?: { text: string }[] } | undefined)?.summary ?? []).map((s) => s.text).join('')
        : ((c.additional_kwargs.reasoning_content as string | undefined) ?? '');
      if (r) (reasoning += r), order.push('reasoning');
      if (c.text) (text += c.text), order.push('text');
    }
    expect(text).toBe(expected);
    expect(reasoning).toMatch(/root delegated 4 agents/);
    expect(order.lastIndexOf('reasoning')).toBeLessThan(order.indexOf('text'));
  });

  it('withStructuredOutput gives the typed result', async () => {
    const top = await chat().withStructuredOutput(TopSpeaker, { name: 'top_speaker' }).invoke([new SystemMessage(corpus), new HumanMessage('Who has the most speeches, as JSON?')]);
    expect(top).toEqual(topSpeaker(corpus));
  });

  it('bindTools is refused with a clear 400, not ignored', async () => {
    const withTools = chat().bindTools([{ type: 'function', function: { name: 'weather', description: 'weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]);
    await expect(withTools.invoke([new HumanMessage('Say hello')])).rejects.toThrow(/does not return tool calls/);
  });

  it('a run without an answer fails once: LangChain does not retry it', async () => {
    const before = (await serve.settledLogLines(path)).length;
    await expect(chat().invoke([new HumanMessage('unscripted question')])).rejects.toThrow(/ended without an answer/);
    expect((await serve.settledLogLines(path)).length).toBe(before + 1);
  });

  it('an aborted invoke stops the run', async () => {
    const controller = new AbortController();
    const pending = chat().invoke([new HumanMessage('Sleep')], { signal: controller.signal }).catch((e: unknown) => e);
    await serve.runningTrees(1);
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await serve.runningTrees(0);
  });
});
