/** Structured sub-calls (`llm_query(prompt, schema=...)`) at the host-call level, with a scripted sub-model. */
import { describe, expect, it } from 'vitest';
import { createRun } from '../create.ts';
import { recordingHandler } from '../engine/host-calls.ts';
import type { CompletionRequest } from '../llm/client.ts';
import { ScriptedLLM } from '../llm/scripted.ts';
import { MemorySubCallCache } from '../llm/subcall-cache.ts';
import type { HostCall } from '../schema/state.ts';
import { builtinHostCalls } from './registry.ts';

const schema = { title: 'count', type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false };

function handlerFor(reply: (request: CompletionRequest) => string, subCallCache?: MemorySubCallCache) {
  const state = createRun('q', 'ctx', { limits: { maxDepth: 1 } });
  const seen: CompletionRequest[] = [];
  const subModel = new ScriptedLLM((request) => (seen.push(request), reply(request)), { name: 'scripted-sub' });
  const rec = recordingHandler({ state, node: state.nodes[state.rootId]!, limits: state.limits, cellIndex: 0, subModel, tools: {}, subCallConcurrency: 2, ...(subCallCache ? { subCallCache } : {}) });
  return { ...rec, seen };
}

describe('structured sub-calls', () => {
  it('asks the sub-model with a responseFormat and answers the parsed value; the schema is recorded', async () => {
    const rec = handlerFor(() => '{"n": 7}');
    const answer = await rec.handler({ name: 'llm_query', args: { prompt: 'how many?', schema } });
    expect(answer).toEqual({ ok: true, value: { n: 7 } });
    expect(rec.seen[0]!.responseFormat).toEqual({ type: 'json_schema', name: 'count', schema, strict: true });
    expect(rec.calls[0]).toMatchObject({ name: 'llm_query', args: { prompt: 'how many?', model: null, schema }, usage: { llmCalls: 1 } });
  });

  it('answers a reply that is not JSON or fails the schema as a schema failure naming the path, keeping the text and its usage', async () => {
    const rec = handlerFor((r) => (r.messages[0]!.content === 'a' ? 'seven' : '{"n": "7"}'));
    const notJson = await rec.handler({ name: 'llm_query', args: { prompt: 'a', schema } });
    expect(notJson).toMatchObject({ ok: false, kind: 'schema', reply: 'seven' });
    expect(notJson.ok === false && notJson.error).toMatch(/^scripted-sub: the reply is not JSON/);
    const wrong = await rec.handler({ name: 'llm_query', args: { prompt: 'b', schema } });
    expect(wrong).toEqual({ ok: false, kind: 'schema', error: 'scripted-sub: the reply does not match the schema at /n: must be integer', reply: '{"n": "7"}' });
    // Paid for: the usage of both replies is recorded, as for any sub-call.
    expect(rec.calls.map((c) => c.usage?.llmCalls)).toEqual([1, 1]);
  });

  it('refuses a bad schema before sending, naming the field and where the schema is wrong', async () => {
    const rec = handlerFor(() => '{}');
    const answer = await rec.handler({ name: 'llm_query', args: { prompt: 'p', schema: { type: 'object', properties: { n: { type: 'integr' } } } } });
    expect(answer).toMatchObject({ ok: false, kind: 'invalid_args' });
    expect(answer.ok === false && answer.error).toMatch(/^llm_query\(\): schema: not a valid JSON Schema at \/properties\/n\/type: /);
    const batch = await rec.handler({ name: 'llm_query_batched', args: { prompts: ['p'], schema: 'object' } });
    expect(batch.ok === false && batch.error).toMatch(/^llm_query_batched\(\): schema: /);
    expect(rec.seen).toHaveLength(0);
  });

  it('checks each reply of a batch on its own: one bad reply holds its place, the rest are values', async () => {
    const rec = handlerFor((r) => (r.messages[0]!.content === 'two' ? 'two' : `{"n": ${r.messages[0]!.content.length}}`));
    const answer = await rec.handler({ name: 'llm_query_batched', args: { prompts: ['one', 'two', 'three'], schema } });
    expect(answer.ok && answer.value).toEqual([{ ok: true, value: { n: 3 } }, { ok: false, kind: 'schema', error: expect.stringMatching(/not JSON/), reply: 'two' }, { ok: true, value: { n: 5 } }]);
    expect(rec.seen.every((r) => r.responseFormat?.name === 'count')).toBe(true);
  });

  it('keys the sub-call cache by schema too, and caches only replies that passed', async () => {
    const cache = new MemorySubCallCache();
    let k = 0;
    const rec = handlerFor((r) => (r.responseFormat ? (++k === 1 ? 'bad' : '{"n": 1}') : 'plain'), cache);
    expect(await rec.handler({ name: 'llm_query', args: { prompt: 'p' } })).toEqual({ ok: true, value: 'plain' });
    // Same prompt with a schema: not the plain reply from the cache.
    expect(await rec.handler({ name: 'llm_query', args: { prompt: 'p', schema } })).toMatchObject({ ok: false, kind: 'schema' });
    expect(await rec.handler({ name: 'llm_query', args: { prompt: 'p', schema } })).toEqual({ ok: true, value: { n: 1 } });
    expect(await rec.handler({ name: 'llm_query', args: { prompt: 'p', schema } })).toEqual({ ok: true, value: { n: 1 } });
    expect(rec.seen).toHaveLength(3);
    expect(rec.calls.map((c) => c.cacheHits ?? 0)).toEqual([0, 0, 0, 1]);
  });

  it('matches a rebuilt call by prompt and schema, and gives ReplayLLM texts that check the same way', () => {
    const registry = builtinHostCalls();
    const ok: HostCall = { name: 'llm_query', args: { prompt: 'p', model: null, schema }, answer: { ok: true, value: { n: 1 } } };
    expect(registry.sameCall(ok, { name: 'llm_query', args: { prompt: 'p', schema } })).toBe(true);
    expect(registry.sameCall(ok, { name: 'llm_query', args: { prompt: 'p' } })).toBe(false);
    expect(registry.sameCall(ok, { name: 'llm_query', args: { prompt: 'p', schema: { ...schema, title: 'other' } } })).toBe(false);
    // A plain record still matches a plain call (records made before schemas existed).
    expect(registry.sameCall({ name: 'llm_query', args: { prompt: 'p', model: null }, answer: { ok: true, value: 'x' } }, { name: 'llm_query', args: { prompt: 'p' } })).toBe(true);

    const llm = registry.get('llm_query')!;
    expect(llm.subCalls!({ ...ok, answer: { ok: true, value: 'a string' }, args: { prompt: 'p', schema: { type: 'string' } } })[0]!.answer).toEqual({ ok: true, text: '"a string"' });
    const failed: HostCall = { ...ok, answer: { ok: false, kind: 'schema', error: 'x: does not match', reply: '{"n": "1"}' } };
    expect(llm.subCalls!(failed)[0]!.answer).toEqual({ ok: true, text: '{"n": "1"}' });
    // Refused for its arguments (a bad schema): it never reached the model, so ReplayLLM holds nothing for it.
    expect(llm.subCalls!({ ...ok, answer: { ok: false, kind: 'invalid_args', error: 'llm_query(): schema: …' } })).toEqual([]);
  });
});
