/**
 * The RLM as a drop-in `LLMClient`: behind code written only against `LLMClient` (an HTTP
 * server, through the real `openai` SDK), and as the model of another RLM, root or sub-calls,
 * with the outer agent's messages passed through and the inner tree's usage and cost reported up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RLM, ScriptedLLM, totalUsage, type Completion, type CompletionRequest, type LLMClient, type Script } from '@rlmtree/core';
import { OpenAIClient } from '@rlmtree/openai';
import { startFakeOpenAI } from '@rlmtree/openai/testing';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

let runtime: SubprocessRuntime;
beforeAll(() => {
  runtime = new SubprocessRuntime();
});
afterAll(() => runtime.close());

const repl = (code: string) => `\`\`\`repl\n${code}\n\`\`\``;

/** A scripted model whose every call costs `usd`, so cost can be followed up the tree. */
class PricedScript implements LLMClient {
  readonly name: string;
  calls = 0;
  private readonly inner: ScriptedLLM;
  private readonly usd: number;
  constructor(script: Script, usd: number, name: string) {
    this.inner = new ScriptedLLM(script);
    this.usd = usd;
    this.name = name;
  }
  async complete(request: CompletionRequest): Promise<Completion> {
    this.calls++;
    const reply = await this.inner.complete(request);
    return { ...reply, usage: { ...reply.usage, costUsd: this.usd } };
  }
}

describe('an RLM as the model of another RLM', () => {
  it("as the root model: gets the outer agent's whole conversation and reports its tree usage up", async () => {
    const seen: CompletionRequest[] = [];
    // The inner root checks its CONTEXT in Python, then answers with a code block for the outer agent.
    const innerModel = new PricedScript(
      (req) => {
        seen.push(req);
        return repl(
          [
            'saw_system = CONTEXT.startswith("system: ") and "llm_query(prompt" in CONTEXT',
            'fence = "`" * 3  # a literal fence here would end this very code block',
            'done(fence + "repl\\ndone(" + repr(f"system={saw_system}") + ")\\n" + fence)',
          ].join('\n'),
        );
      },
      0.25,
      'inner-model',
    );
    const outer = new RLM({ llm: new RLM({ llm: innerModel, runtime, name: 'inner-rlm' }), runtime });
    const { answer, state } = await outer.run('sum the numbers', '1 2 3');
    expect(answer).toBe('system=True');
    expect(innerModel.calls).toBe(1);
    // The inner agent's query is the outer agent's last message (its query message), not a summary.
    expect(seen[0]!.messages[1]!.content).toMatch(/^Query: Query: sum the numbers\n/);
    // The outer root made one model call, which was a whole inner tree of one call costing $0.25.
    const usage = totalUsage(state);
    expect(usage.llmCalls).toBe(1);
    expect(usage.costUsd).toBeCloseTo(0.25, 10);
  });

  it('as the sub-call model: llm_query runs an inner tree and its usage and cost count in the outer tree', async () => {
    const innerModel = new PricedScript(
      {
        rules: [
          { match: '^Query: ', replies: [repl('print(len(CONTEXT))'), repl('done(CONTEXT.upper())')] },
        ],
      },
      0.01,
      'inner-model',
    );
    const inner = new RLM({ llm: innerModel, runtime, name: 'inner-rlm' });
    const outerModel = new PricedScript([repl('a = llm_query("shout this")\nb = llm_query_batched(["x", "y"])\ndone([a, *b])')], 0.5, 'outer-model');
    const outer = new RLM({ llm: outerModel, subModel: inner, runtime });
    const { answer, state } = await outer.run('go', 'ctx');
    // Each sub-call is one inner tree: its root looks once, then answers with the prompt upper-cased.
    expect(JSON.parse(answer)).toEqual(['SHOUT THIS', 'X', 'Y']);
    expect(innerModel.calls).toBe(6); // 3 inner trees x 2 model calls
    const root = state.nodes.root!;
    expect(root.usage.llmCalls).toBe(1 + 6);
    expect(root.usage.costUsd).toBeCloseTo(0.5 + 6 * 0.01, 10);
    expect(totalUsage(state).costUsd).toBeCloseTo(0.56, 10);
  });
});

describe('an RLM where any LLMClient goes', () => {
  it('answers behind an OpenAI-compatible server, read back through the openai SDK', async () => {
    const rlm = new RLM({
      llm: new ScriptedLLM([repl('done(f"{len(CONTEXT.split())} words")')]),
      runtime,
    });
    // startFakeOpenAI is written against LLMClient only; here its model is a whole RLM.
    const server = await startFakeOpenAI({ reply: rlm });
    try {
      const client = new OpenAIClient({ model: 'rlm', baseURL: server.baseURL });
      const reply = await client.complete({
        messages: [
          { role: 'system', content: 'one two three four' },
          { role: 'user', content: 'how many words?' },
        ],
      });
      // CONTEXT is the earlier messages as "system: one two three four": 5 words.
      expect(reply.text).toBe('5 words');
    } finally {
      await server.close();
    }
  });
});
