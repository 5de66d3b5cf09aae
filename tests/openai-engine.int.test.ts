/**
 * Real LLM clients inside real runs (python3 REPLs): the root's tokens streamed to engine
 * listeners, a failed sub-call raised in Python as LLMError, cancellation of in-flight calls.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Engine, ScriptedLLM } from '@rlmtree/core';
import { OpenAIClient } from '@rlmtree/openai';
import { startFakeOpenAI, type FakeOpenAIServer } from '@rlmtree/openai/testing';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const repl = (code: string) => `\`\`\`repl\n${code}\n\`\`\``;
let runtime: SubprocessRuntime;
let server: FakeOpenAIServer;

beforeAll(async () => {
  runtime = new SubprocessRuntime();
  server = await startFakeOpenAI({
    reply: new ScriptedLLM((req) => {
      const first = req.messages.find((m) => m.role === 'user')!.content;
      if (first.startsWith('Query: ')) return repl('try:\n    a = llm_query("ping")\nexcept LLMError as e:\n    a = "LLMError: " + str(e)\ndone(a)');
      return `pong to ${first}`;
    }),
  });
});
afterAll(async () => {
  await runtime.close();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.faults.length = 0;
});

const client = () => new OpenAIClient({ model: 'gpt-5', baseURL: server.baseURL });

describe('OpenAIClient in a run', () => {
  it("streams the root's reply to the engine's token listeners", async () => {
    const engine = new Engine({ llm: client(), runtime });
    const fragments: string[] = [];
    engine.events.on('token', (e) => fragments.push(e.fragment));
    try {
      const state = await engine.run('q', 'ctx');
      expect(state.nodes.root!.result).toBe('pong to ping');
      expect(fragments.length).toBeGreaterThan(3);
      expect(fragments.join('')).toBe(state.nodes.root!.messages.find((m) => m.role === 'assistant')!.content);
      expect(server.requests[0]!.body.stream).toBe(true); // the root streamed; the sub-call did not
      expect(server.requests[1]!.body.stream).toBeUndefined();
      expect(state.nodes.root!.usage.costUsd).toBeGreaterThan(0);
    } finally {
      await engine.close();
    }
  });

  it('a sub-call that fails after retries is raised in Python as LLMError, and the agent goes on', async () => {
    const engine = new Engine({ llm: client(), runtime });
    try {
      let state = await engine.step(engine.init('q', 'ctx')); // the root's model call
      server.faults.push(...[1, 2, 3].map(() => ({ status: 503, headers: { 'retry-after-ms': '5' } })));
      state = await engine.runFrom(state);
      expect(state.nodes.root!.result).toMatch(/^LLMError: openai:gpt-5: HTTP 503/);
      expect(server.requests).toHaveLength(4); // the root's call, then the sub-call three times
    } finally {
      await engine.close();
    }
  });

  it('cancelling the run aborts in-flight model calls at once', async () => {
    const controller = new AbortController();
    const engine = new Engine({ llm: client(), runtime, signal: controller.signal });
    try {
      server.faults.push({ delayMs: 5000 }); // the root's first call hangs on the server
      const started = performance.now();
      setTimeout(() => controller.abort(new Error('cancelled by the test')), 200);
      const run = engine.run('q', 'ctx').catch((e: unknown) => e);
      const err = await run;
      expect((err as Error).message).toMatch(/cancelled by the test/);
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await engine.close();
    }
  });
});
