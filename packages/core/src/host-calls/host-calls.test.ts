import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRun } from '../create.ts';
import { recordingHandler } from '../engine/host-calls.ts';
import { ScriptedLLM } from '../llm/scripted.ts';
import type { HostCall } from '../schema/state.ts';
import { defineHostCall } from './module.ts';
import { builtinHostCalls, HostCallRegistry } from './registry.ts';

function handlerFor(registry = builtinHostCalls(), replies: string[] = ['pong']) {
  const state = createRun('q', 'ctx', { limits: { maxDepth: 1 } });
  return recordingHandler({
    state,
    node: state.nodes[state.rootId]!,
    limits: state.limits,
    cellIndex: 0,
    subModel: new ScriptedLLM(replies),
    tools: { add: { description: 'adds', run: (args) => (args as number[]).reduce((a, b) => a + b, 0) } },
    subCallConcurrency: 2,
    hostCalls: registry,
  });
}

describe('host call modules', () => {
  it('validates arguments from the REPL and answers invalid_args naming the call and the field', async () => {
    const rec = handlerFor();
    const answer = await rec.handler({ name: 'llm_query', args: { prompt: 'hi', model: 5 } });
    expect(answer).toMatchObject({ ok: false, kind: 'invalid_args' });
    expect(answer.ok === false && answer.error).toMatch(/^llm_query\(\): model: /);
    // The refused call is recorded as sent, so a rebuilt REPL meets the same refusal.
    expect(rec.calls).toEqual([{ name: 'llm_query', args: { prompt: 'hi', model: 5 }, answer }]);
  });

  it('answers an unknown host call with invalid_args instead of crashing the host', async () => {
    const rec = handlerFor();
    const answer = await rec.handler({ name: 'frobnicate', args: {} });
    expect(answer).toEqual({ ok: false, kind: 'invalid_args', error: 'no host call named frobnicate' });
  });

  it('records each call with its usage, delegate with its context size only', async () => {
    const rec = handlerFor();
    await rec.handler({ name: 'llm_query', args: { prompt: 'ping' } });
    await rec.handler({ name: 'delegate', args: { name: 'part', query: 'look', context: ['ab', 'cde'] } });
    expect(rec.calls[0]).toMatchObject({ name: 'llm_query', args: { prompt: 'ping', model: null }, answer: { ok: true, value: 'pong' }, usage: { llmCalls: 1 } });
    expect(rec.calls[1]).toEqual({ name: 'delegate', args: { name: 'part', query: 'look', contextChars: 5 }, answer: { ok: true, value: 'root.part' } });
    expect(rec.delegated).toEqual([{ id: 'root.part', name: 'part', query: 'look', context: ['ab', 'cde'] }]);
  });

  it('matches a rebuilt call against a record by the module identity, old records included', () => {
    const registry = builtinHostCalls();
    // As recorded before arguments were validated (no defaults filled in): still the same call.
    const old: HostCall = { name: 'llm_query', args: { prompt: 'p', model: null }, answer: { ok: true, value: 'x' } };
    expect(registry.sameCall(old, { name: 'llm_query', args: { prompt: 'p' } })).toBe(true);
    expect(registry.sameCall(old, { name: 'llm_query', args: { prompt: 'q' } })).toBe(false);
    const delegated: HostCall = { name: 'delegate', args: { name: 'a', query: 'b', contextChars: 3 }, answer: { ok: true, value: 'root.a' } };
    expect(registry.sameCall(delegated, { name: 'delegate', args: { name: 'a', query: 'b', context: 'xyz' } })).toBe(true);
    const tool: HostCall = { name: 'tool', args: { tool: 'add', args: [1, 2], kwargs: {} }, answer: { ok: true, value: 3 } };
    expect(registry.sameCall(tool, { name: 'tool', args: { kwargs: {}, args: [1, 2], tool: 'add' } })).toBe(true);
    expect(registry.sameCall(tool, { name: 'tool', args: { tool: 'add', args: [1, 3], kwargs: {} } })).toBe(false);
  });

  it('takes a new host call as one module plus register(), and refuses bad names', async () => {
    const shout = defineHostCall({
      name: 'shout',
      description: 'upper-cases text',
      args: z.object({ text: z.string() }),
      answer: z.string(),
      handle: async ({ text }) => ({ answer: { ok: true, value: text.toUpperCase() } }),
    });
    const registry = builtinHostCalls().register(shout);
    expect(await handlerFor(registry).handler({ name: 'shout', args: { text: 'hey' } })).toEqual({ ok: true, value: 'HEY' });
    expect(() => registry.register(shout)).toThrow(/registered twice/);
    expect(() => new HostCallRegistry().register({ ...shout, name: 'wait' })).toThrow(/suspension point/);
    expect(() => new HostCallRegistry().register({ ...shout, name: 'not-python' })).toThrow(/Python identifier/);
  });

  it('throws (a host bug) when a handler answers a value its answer schema rejects', async () => {
    const wrong = defineHostCall({
      name: 'wrong',
      description: 'answers a number where a string is promised',
      args: z.object({}),
      answer: z.string(),
      handle: async () => ({ answer: { ok: true, value: 3 } }),
    });
    await expect(handlerFor(new HostCallRegistry([wrong])).handler({ name: 'wrong', args: {} })).rejects.toThrow(/answer schema rejects/);
  });
});
