import { describe, expect, it } from 'vitest';
import { LLMError } from './client.ts';
import { parseScript, ScriptedLLM } from './scripted.ts';

const agent = (query: string, turns = 0) => ({
  messages: [
    { role: 'system' as const, content: 'sys' },
    { role: 'user' as const, content: `Query: ${query}` },
    ...Array.from({ length: turns }, () => [
      { role: 'assistant' as const, content: 'a' },
      { role: 'user' as const, content: 'out' },
    ]).flat(),
  ],
});

describe('ScriptedLLM', () => {
  it('answers a list in call order, then fails clearly', async () => {
    const llm = new ScriptedLLM(['one', 'two']);
    expect((await llm.complete(agent('q'))).text).toBe('one');
    expect((await llm.complete(agent('q'))).text).toBe('two');
    await expect(llm.complete(agent('q'))).rejects.toThrow(/2 replies, call 3 has none/);
  });

  it('picks replies by rule and turn', async () => {
    const llm = new ScriptedLLM({ rules: [{ match: 'child', replies: ['c0'] }, { match: '^Query', replies: ['r0', 'r1'] }] });
    expect((await llm.complete(agent('root task'))).text).toBe('r0');
    expect((await llm.complete(agent('root task', 1))).text).toBe('r1');
    expect((await llm.complete(agent('child task'))).text).toBe('c0');
    const err = await llm.complete(agent('child task', 1)).catch((e) => e);
    expect(err).toBeInstanceOf(LLMError);
    expect(err.kind).toBe('script');
  });

  it('answers from a function and estimates usage', async () => {
    const llm = new ScriptedLLM((_req, { turn, call }) => `turn ${turn} call ${call}`);
    const c = await llm.complete(agent('q', 2));
    expect(c.text).toBe('turn 2 call 0');
    expect(c.usage.llmCalls).toBe(1);
    expect(c.usage.outputTokens).toBe(Math.ceil('turn 2 call 0'.length / 4));
  });

  it('rejects malformed script files naming the field', () => {
    expect(() => parseScript({ rules: [{ match: 'x' }] }, 'p.json')).toThrow(/p\.json: not a valid script at rules\.0\.replies/);
    expect(() => parseScript(42, 'p.json')).toThrow(/p\.json/);
    expect(() => new ScriptedLLM({ rules: [{ match: '(', replies: ['x'] }] })).toThrow(/bad regex/);
  });
});
