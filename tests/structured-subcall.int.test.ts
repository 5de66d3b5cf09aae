/**
 * Structured sub-calls (`llm_query(prompt, schema=...)`) through real python3 REPLs and the real
 * provider SDKs against local servers speaking their wire formats: the schema reaches the
 * provider its own way (OpenAI `response_format`, Anthropic `output_config.format`, the AI SDK's
 * `responseFormat` through `@ai-sdk/openai`), the answer is a parsed value (a dict, a pydantic
 * model), a reply that is not JSON or off the schema raises `SubCallSchemaError` naming the path,
 * a bad schema raises `HostCallArgumentError` before anything is sent, budgets count structured
 * sub-calls like plain ones, and every run replays exactly: from the trace, in a rebuilt REPL, and
 * through `ReplayLLM`, with no model call.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpenAI } from '@ai-sdk/openai';
import { fromAISDK } from '@rlmtree/ai-sdk';
import { AnthropicClient } from '@rlmtree/anthropic';
import { startFakeAnthropic, type FakeAnthropicServer } from '@rlmtree/anthropic/testing';
import { Engine, RLM, ReplayLLM, ScriptedLLM, TraceWriter, isFinished, readTrace, replay, type CompletionRequest, type LLMClient, type RunState } from '@rlmtree/core';
import { OpenAIClient } from '@rlmtree/openai';
import { startFakeOpenAI, type FakeOpenAIServer } from '@rlmtree/openai/testing';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { MockLanguageModelV4 } from 'ai/test';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.ts';
import { countSpeeches } from './speakers.ts';

const repl = (code: string) => '```repl\n' + code + '\n```';
const corpus = readFileSync(join(ROOT, 'examples/data/tinyshakespeare.txt'), 'utf8');
const CHUNK = 20_000;
const chunkCounts = countSpeeches(corpus.slice(0, CHUNK));
const dir = mkdtempSync(join(tmpdir(), 'rlmtree-structured-'));

/** The JSON Schema the agent code asks with (strict-compatible: closed, every property required). */
const SPEECH_COUNT = { title: 'speech_count', type: 'object', properties: { speaker: { type: 'string' }, speeches: { type: 'integer', minimum: 0 } }, required: ['speaker', 'speeches'], additionalProperties: false };

/**
 * The sub-model, as a provider with structured outputs answers: JSON counting the speeches of the
 * speaker a prompt names in the text it carries. Two speakers make it misbehave: NOBODY gets prose
 * (not JSON), WRONG a count that is a string (off the schema). Plain requests get prose.
 */
const seenFormats: CompletionRequest['responseFormat'][] = [];
const subPolicy = new ScriptedLLM((req) => {
  seenFormats.push(req.responseFormat);
  const prompt = req.messages.at(-1)!.content;
  const speaker = /^How many speeches has (.+?)\?/.exec(prompt)?.[1] ?? '';
  if (!req.responseFormat) return `a plain answer about ${speaker}`;
  if (speaker === 'NOBODY') return 'I could not find that speaker.';
  if (speaker === 'WRONG') return '{"speaker": "WRONG", "speeches": "many"}';
  return JSON.stringify({ speaker, speeches: countSpeeches(prompt.slice(prompt.indexOf('\n') + 1)).get(speaker) ?? 0 });
});

let runtime: SubprocessRuntime;
let openai: FakeOpenAIServer;
let anthropic: FakeAnthropicServer;
beforeAll(async () => {
  runtime = new SubprocessRuntime();
  [openai, anthropic] = await Promise.all([startFakeOpenAI({ reply: subPolicy }), startFakeAnthropic({ reply: subPolicy })]);
});
afterAll(async () => {
  await runtime.close();
  await Promise.all([openai.close(), anthropic.close()]);
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  openai.requests.length = 0;
  anthropic.requests.length = 0;
  seenFormats.length = 0;
});

/**
 * Runs the root's `replies` with `subModel` and a trace; after the first cell ran, the REPL is
 * closed, so the rest of the run needs one rebuilt from the record.
 */
async function traced(name: string, replies: string[], subModel: LLMClient, limits: Record<string, number | null> = {}) {
  const engine = new Engine({ llm: new ScriptedLLM(replies), subModel, runtime });
  const path = join(dir, `${name}.jsonl`);
  let s: RunState = engine.init('How many speeches?', corpus, { limits });
  const writer = TraceWriter.create(path, s);
  const states = [s];
  let closed = false;
  try {
    while (!isFinished(s)) {
      const r = await engine.stepWithEvents(s);
      writer.record(r, s);
      states.push((s = r.state));
      if (!closed && s.nodes.root!.cells.length === 1) {
        await engine.close();
        closed = true;
      }
    }
  } finally {
    writer.close();
    await engine.close();
  }
  return { state: s, states, path, result: s.nodes.root!.result as Record<string, unknown> };
}

/** Runs the recorded run again with `ReplayLLM` as root and sub-model; returns its root result. */
async function rerun(path: string): Promise<unknown> {
  const trace = await readTrace(path);
  const llm = new ReplayLLM(trace);
  const engine = new Engine({ llm, subModel: llm, runtime });
  try {
    const s = await engine.runFrom(engine.init(trace.header.initial.nodes.root!.query, corpus, { limits: trace.header.initial.limits }));
    expect(llm.remaining()).toEqual({});
    return s.nodes.root!.result;
  } finally {
    await engine.close();
  }
}

const ask = (speaker: string) => `f"How many speeches has ${speaker}?\\n{CONTEXT[:${CHUNK}]}"`;

describe('structured sub-calls through OpenAI (the openai SDK)', () => {
  it('sends response_format json_schema, answers dicts, raises SubCallSchemaError and HostCallArgumentError, and replays exactly', async () => {
    const cell0 = [
      `s = ${JSON.stringify(SPEECH_COUNT).replace(/false/g, 'False')}`,
      `one = llm_query(${ask('MENENIUS')}, schema=s)`,
      `many = llm_query_batched([${ask('MENENIUS')}, ${ask('NOBODY')}, ${ask('First Citizen')}], schema=s)`,
      'plain = llm_query("How many speeches has MENENIUS?")',
    ].join('\n');
    const cell1 = [
      'try:',
      `    llm_query(${ask('WRONG')}, schema=s)`,
      'except SubCallSchemaError as e:',
      '    err = [str(e), e.reply, isinstance(e, LLMError)]',
      'try:',
      '    llm_query("x", schema={"type": "objekt"})',
      'except HostCallArgumentError as e:',
      '    bad = str(e)',
      'done({"one": one, "types": [type(one).__name__, type(plain).__name__], "many": [m if isinstance(m, dict) else ["failed", m.kind, m.reply] for m in many], "err": err, "bad": bad})',
    ].join('\n');
    const sub = new OpenAIClient({ model: 'gpt-5-mini', baseURL: openai.baseURL, maxRetries: 0 });
    const { result, states, path } = await traced('openai', [repl(cell0), repl(cell1)], sub);

    const menenius = chunkCounts.get('MENENIUS')!;
    expect(menenius).toBeGreaterThan(0);
    expect(result.one).toEqual({ speaker: 'MENENIUS', speeches: menenius });
    expect(result.types).toEqual(['dict', 'str']);
    expect(result.many).toEqual([
      { speaker: 'MENENIUS', speeches: menenius },
      ['failed', 'schema', 'I could not find that speaker.'],
      { speaker: 'First Citizen', speeches: chunkCounts.get('First Citizen')! },
    ]);
    const [message, reply, isLLMError] = result.err as [string, string, boolean];
    expect(message).toBe('openai:gpt-5-mini: the reply does not match the schema at /speeches: must be integer');
    expect([reply, isLLMError]).toEqual(['{"speaker": "WRONG", "speeches": "many"}', true]);
    expect(result.bad).toMatch(/^llm_query\(\): schema: not a valid JSON Schema at \/type: must be equal to one of the allowed values/);

    // On the wire: OpenAI's structured-outputs field on every structured call, none on the plain one;
    // the bad schema never left the host. The rebuilt REPL (cell 0 again) sent nothing.
    const structured = { type: 'json_schema', json_schema: { name: 'speech_count', schema: SPEECH_COUNT, strict: true } };
    expect(openai.requests.map((r) => r.body.response_format)).toEqual([structured, structured, structured, structured, undefined, structured]);

    // Exact replay: the trace gives every state; a ReplayLLM rerun checks the recorded replies again
    // (the bad ones fail the same way) and calls no model.
    expect(replay(await readTrace(path))).toEqual(states);
    const before = openai.requests.length;
    // The same answers; the schema failure names the client that answered, here the ReplayLLM.
    expect(await rerun(path)).toEqual({ ...result, err: [message.replace('openai:gpt-5-mini', 'replay'), reply, true] });
    expect(openai.requests.length).toBe(before);
  });

  it('counts structured sub-calls against the budgets like plain ones', async () => {
    const code = [
      'got = []',
      'for name in ["MENENIUS", "First Citizen", "Second Citizen"]:',
      '    try:',
      `        got.append(llm_query(f"How many speeches has {name}?\\n{CONTEXT[:${CHUNK}]}", schema={"type": "object"})["speaker"])`,
      '    except SubCallBudgetError as e:',
      '        got.append("refused")',
      'done(got)',
    ].join('\n');
    const sub = new OpenAIClient({ model: 'gpt-5-mini', baseURL: openai.baseURL, maxRetries: 0 });
    const { result } = await traced('budget', [repl('x = 1'), repl(code)], sub, { maxSubCalls: 2 });
    expect(result).toEqual(['MENENIUS', 'First Citizen', 'refused']);
    expect(openai.requests).toHaveLength(2);
  });
});

describe('structured sub-calls through Anthropic (@anthropic-ai/sdk)', () => {
  it('sends output_config.format; a pydantic model answers an instance, a {field: type} dict a dict', async () => {
    const cell0 = [
      'from pydantic import BaseModel',
      'class SpeechCount(BaseModel):',
      '    speaker: str',
      '    speeches: int',
      `c = llm_query(${ask('MENENIUS')}, schema=SpeechCount)`,
      `cs = llm_query_batched([${ask('First Citizen')}, ${ask('NOBODY')}], schema=SpeechCount)`,
    ].join('\n');
    const cell1 = [
      `t = llm_query(${ask('MENENIUS')}, schema={"speaker": str, "speeches": int})`,
      'done({"c": [type(c).__name__, c.speaker, c.speeches], "cs": [type(cs[0]).__name__, cs[0].speeches, type(cs[1]).__name__], "t": t})',
    ].join('\n');
    const sub = new AnthropicClient({ model: 'claude-fake', baseURL: anthropic.baseURL, apiKey: 'k', maxRetries: 0 });
    const { result, states, path } = await traced('anthropic', [repl(cell0), repl(cell1)], sub);
    expect(result).toEqual({
      c: ['SpeechCount', 'MENENIUS', chunkCounts.get('MENENIUS')],
      cs: ['SpeechCount', chunkCounts.get('First Citizen'), 'SubCallError'],
      t: { speaker: 'MENENIUS', speeches: chunkCounts.get('MENENIUS') },
    });
    const sent = anthropic.requests.map((r) => (r.body.output_config as { format: { type: string; schema: Record<string, unknown> } }).format);
    expect(sent).toHaveLength(4);
    // pydantic's own schema (model_json_schema) for the model, ours for the type mapping.
    expect(sent[0]).toMatchObject({ type: 'json_schema', schema: { title: 'SpeechCount', type: 'object', required: ['speaker', 'speeches'], properties: { speaker: { type: 'string', title: 'Speaker' } } } });
    expect(sent[3]).toEqual({ type: 'json_schema', schema: { type: 'object', properties: { speaker: { type: 'string' }, speeches: { type: 'integer' } }, required: ['speaker', 'speeches'], additionalProperties: false } });
    expect(replay(await readTrace(path))).toEqual(states);
    const before = anthropic.requests.length;
    expect(await rerun(path)).toEqual(result);
    expect(anthropic.requests.length).toBe(before);
  });
});

describe('structured sub-calls through the AI SDK (fromAISDK)', () => {
  it('passes responseFormat to @ai-sdk/openai, which sends json_schema; a provider that ignores it raises LLMError in Python', async () => {
    const provider = createOpenAI({ baseURL: openai.baseURL, apiKey: 'k' });
    const cell = [
      `one = llm_query(${ask('MENENIUS')}, schema={"speaker": str, "speeches": int})`,
      'done(one)',
    ].join('\n');
    const { result } = await traced('ai-sdk', [repl('x = 1'), repl(cell)], fromAISDK(provider.chat('fake-model'), { maxRetries: 0 }));
    expect(result).toEqual({ speaker: 'MENENIUS', speeches: chunkCounts.get('MENENIUS') });
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0]!.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object', required: ['speaker', 'speeches'] } } });

    const ignoring = new MockLanguageModelV4({
      doGenerate: { content: [{ type: 'text', text: 'prose' }], finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } }, warnings: [{ type: 'unsupported', feature: 'responseFormat' }] },
    });
    const tryIt = ['try:', '    llm_query("q", schema={"type": "object"})', 'except LLMError as e:', '    done([type(e).__name__, str(e)])'].join('\n');
    const { result: refused } = await traced('ai-sdk-unsupported', [repl('x = 1'), repl(tryIt)], fromAISDK(ignoring, { maxRetries: 0 }));
    expect(refused).toEqual(['LLMError', 'ai-sdk:mock-provider/mock-model-id: the model does not support a JSON schema response format']);
  });
});

describe('an RLM as the sub-model of a structured sub-call', () => {
  it('takes the schema as its typed result: a wrong done() shape is refused back to it, the right one is the value', async () => {
    const innerModel = new ScriptedLLM([repl('done("MENENIUS speaks a lot")'), repl('done({"speaker": "MENENIUS", "speeches": 3})')]);
    const inner = new RLM({ llm: innerModel, runtime });
    const { result } = await traced('rlm-sub', [repl('x = 1'), repl(`done(llm_query("How many speeches has MENENIUS?", schema={"speaker": str, "speeches": int}))`)], inner);
    expect(result).toEqual({ speaker: 'MENENIUS', speeches: 3 });
    // The prose done() was refused back to the inner model, which then answered the schema's shape.
    expect(innerModel.callCount).toBe(2);
  });
});
