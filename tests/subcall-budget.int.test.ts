/**
 * Cost control (issue 17) through real python3 REPLs and the real OpenAI SDK against a local
 * server that speaks its wire format and counts what it is sent: sub-call budgets refused before
 * sending, per-call parameters reaching the provider, the sub-call cache across two runs, the
 * no-sub-calls ablation, and every such run replaying exactly from its trace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Engine, ScriptedLLM, SqliteSubCallCache, TraceWriter, readTrace, replay, runSummary, type LLMClient, type RunState } from '@rlmtree/core';
import { OpenAIClient } from '@rlmtree/openai';
import { startFakeOpenAI, type FakeOpenAIServer } from '@rlmtree/openai/testing';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const repl = (code: string) => `\`\`\`repl\n${code}\n\`\`\``;
const dir = mkdtempSync(join(tmpdir(), 'rlmtree-budget-'));
let runtime: SubprocessRuntime;
let server: FakeOpenAIServer;

beforeAll(async () => {
  runtime = new SubprocessRuntime();
  server = await startFakeOpenAI({ reply: new ScriptedLLM((req) => `answer to ${req.messages.at(-1)!.content}`) });
});
afterAll(async () => {
  await runtime.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.requests.length = 0;
});

const subModel = () => new OpenAIClient({ model: 'gpt-5-mini', baseURL: server.baseURL, maxRetries: 0 });

/** Runs `replies` as the root's script with a traced run; returns the final state, every state and the trace path. */
async function traced(name: string, replies: string[], options: { limits?: Record<string, number | null>; subCallCache?: SqliteSubCallCache; llm?: LLMClient } = {}) {
  const engine = new Engine({ llm: options.llm ?? new ScriptedLLM(replies), subModel: subModel(), runtime, ...(options.subCallCache ? { subCallCache: options.subCallCache } : {}) });
  const path = join(dir, `${name}.jsonl`);
  let s: RunState = engine.init('q', 'some context', { limits: options.limits ?? {} });
  const writer = TraceWriter.create(path, s);
  const states = [s];
  try {
    s = await engine.runFrom(s, { onStep: (r) => void (writer.record(r, states.at(-1)), states.push(r.state)) });
  } finally {
    writer.close();
    await engine.close();
  }
  return { state: s, states, path };
}

describe('sub-call budgets', () => {
  it('300 llm_query calls under a budget of 50: 50 reach the provider, the code sees the refusals and finishes', async () => {
    const code = [
      'sent, refused, last = 0, 0, ""',
      'for i in range(300):',
      '    try:',
      '        llm_query(f"q{i}")',
      '        sent += 1',
      '    except SubCallBudgetError as e:',
      '        refused += 1',
      '        last = str(e)',
      'done({"sent": sent, "refused": refused, "last": last})',
    ].join('\n');
    const { state, states, path } = await traced('loop', [repl(code)], { limits: { maxSubCalls: 50 } });
    expect(server.requests.length).toBe(50);
    const answer = state.nodes.root!.result as { sent: number; refused: number; last: string };
    expect(answer.sent).toBe(50);
    expect(answer.refused).toBe(250);
    expect(answer.last).toMatch(/the run has sent 50 sub-calls, its budget is 50 \(maxSubCalls\)/);
    expect(runSummary(state).subCalls).toEqual({ sent: 50, cacheHits: 0, refused: 250 });
    expect(replay(await readTrace(path))).toEqual(states);
  });

  it('a batch that crosses the budget sends its first prompts and raises SubCallBudgetError with every answer; the feedback says what is left', async () => {
    const code = [
      'try:',
      '    r = llm_query_batched([f"b{i}" for i in range(300)])',
      'except SubCallBudgetError as e:',
      '    r = e.results',
      '    print("refused:", e)',
      'ok = [x for x in r if not isinstance(x, SubCallError)]',
      'print(len(r), len(ok), ok[0])',
    ].join('\n');
    const { state } = await traced('batch', [repl(code), repl('done(len(ok))')], { limits: { maxSubCalls: 60, maxSubCallsPerAgent: 50 } });
    expect(server.requests.length).toBe(50);
    expect(state.nodes.root!.result).toBe(50);
    const feedback = state.nodes.root!.messages.filter((m) => m.role === 'user').at(-1)!.content;
    expect(feedback).toMatch(/refused: 250 of 300 prompts refused: sub-call refused: agent root has sent 50 sub-calls, its budget is 50/);
    expect(feedback).toMatch(/300 50 answer to b0/);
    expect(feedback).toMatch(/Sub-call budget left: 10 sub-calls for the run, 0 for you\./);
  });

  it('one prompt over maxSubCallInputChars is refused unsent, naming the limit', async () => {
    const code = 'try:\n    llm_query("x" * 5000)\nexcept SubCallBudgetError as e:\n    done(str(e))';
    const { state } = await traced('chars', [repl(code)], { limits: { maxSubCallInputChars: 1000 } });
    expect(server.requests.length).toBe(0);
    expect(state.nodes.root!.result).toMatch(/its prompt has 5000 characters, the limit for one sub-call is 1000 \(maxSubCallInputChars\)/);
  });

  it('a sub-call token budget stops sub-calls before the one that would cross it', async () => {
    const code = [
      'n = 0',
      'try:',
      '    for i in range(100):',
      '        llm_query("y" * 400)',
      '        n += 1',
      'except SubCallBudgetError as e:',
      '    done([n, str(e)])',
    ].join('\n');
    const { state } = await traced('tokens', [repl(code)], { limits: { maxSubCallTokens: 1000 } });
    const [n, message] = state.nodes.root!.result as [number, string];
    expect(n).toBe(server.requests.length);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(100);
    expect(message).toMatch(/would pass the budget of 1000 \(maxSubCallTokens\)/);
    // The root's own model call plus the n sub-calls.
    expect(runSummary(state).usage.llmCalls).toBe(n + 1);
  });
});

describe('per-call parameters', () => {
  it('max_tokens and temperature reach the provider; a bad one raises HostCallArgumentError naming the field', async () => {
    const code = [
      'a = llm_query("p", max_tokens=5, temperature=0.3)',
      'b = llm_query_batched(["p2"], max_tokens=7)',
      'try:',
      '    llm_query("p3", max_tokens=-1)',
      'except HostCallArgumentError as e:',
      '    err = str(e)',
      'done([a, b, err])',
    ].join('\n');
    const { state } = await traced('params', [repl(code)]);
    expect(server.requests.map((r) => [r.body.max_completion_tokens, r.body.temperature])).toEqual([[5, 0.3], [7, undefined]]);
    const [a, b, err] = state.nodes.root!.result as [string, string[], string];
    expect(a).toBe('answer to p');
    expect(b).toEqual(['answer to p2']);
    expect(err).toMatch(/llm_query\(\): max_tokens: /);
    expect(state.nodes.root!.cells[0]!.calls[0]!.args).toEqual({ prompt: 'p', model: null, max_tokens: 5, temperature: 0.3 });
  });
});

describe('the sub-call cache', () => {
  it('across two runs the provider sees a prompt once; the second run records the hit at zero cost; both traces replay', async () => {
    const cachePath = join(dir, 'subcalls.sqlite');
    const code = 'a = llm_query("what is in the cache?")\nb = llm_query_batched(["what is in the cache?", "fresh one"])\ndone([a] + b)';
    const cache1 = await SqliteSubCallCache.open(cachePath);
    const first = await traced('cache1', [repl(code)], { subCallCache: cache1 });
    await cache1.close();
    // The first run already hits once: its batch repeats the single call's prompt.
    expect(server.requests.map((r) => (r.body.messages as { content: string }[])[0]!.content)).toEqual(['what is in the cache?', 'fresh one']);
    expect(runSummary(first.state).subCalls).toEqual({ sent: 2, cacheHits: 1, refused: 0 });
    server.requests.length = 0;
    const cache2 = await SqliteSubCallCache.open(cachePath);
    const second = await traced('cache2', [repl(code)], { subCallCache: cache2 });
    await cache2.close();
    expect(server.requests.length).toBe(0);
    expect(second.state.nodes.root!.result).toEqual(first.state.nodes.root!.result);
    const summary = runSummary(second.state);
    expect(summary.subCalls).toEqual({ sent: 0, cacheHits: 3, refused: 0 });
    expect(summary.usage.costUsd).toBe(0);
    expect(second.state.nodes.root!.cells[0]!.calls[0]).toMatchObject({ name: 'llm_query', cacheHits: 1 });
    expect(second.state.nodes.root!.cells[0]!.calls[0]!.usage).toBeUndefined();
    expect(replay(await readTrace(first.path))).toEqual(first.states);
    expect(replay(await readTrace(second.path))).toEqual(second.states);
  });
});

describe('the no-sub-calls ablation (maxSubCalls 0)', () => {
  it('leaves llm_query out of the REPL and the prompt', async () => {
    const llm = new ScriptedLLM([repl('done([name in globals() for name in ("llm_query", "llm_query_batched", "delegate")])')]);
    const { state } = await traced('ablation', [], { limits: { maxSubCalls: 0 }, llm });
    expect(state.nodes.root!.result).toEqual([false, false, true]);
    const system = state.nodes.root!.messages[0]!.content;
    expect(system).not.toMatch(/llm_query\(prompt/);
    expect(system).toMatch(/There are no sub-calls in this run/);
  });
});
