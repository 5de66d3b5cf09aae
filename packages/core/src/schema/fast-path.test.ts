import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_LIMITS } from '../limits.ts';
import { DelegateArgsSchema, delegateHostCall } from '../host-calls/delegate.ts';
import { fastPathOf, quickParse, withFastPath } from './fast-path.ts';
import { agrees, exact } from './fast-path-contract.ts';
import { PROMPT_VERSION, PromptConfigSchema } from './prompt.ts';
import { HostAnswerSchema, JsonSchema, LimitsSchema } from './state.ts';
import { LlmQueryArgsSchema } from '../host-calls/llm-query.ts';
import { ToolArgsSchema } from '../host-calls/tool.ts';
import { LlmQueryBatchedArgsSchema, llmQueryBatchedHostCall } from '../host-calls/llm-query-batched.ts';

/** Numbers near every bound a limit has, and values of other types. */
const limitValue = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 2.5, 1e-9, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 2 ** 60, Infinity, -Infinity, NaN, null, undefined),
  fc.integer({ min: -5, max: 200_000 }),
  fc.double(),
  fc.string(),
  fc.boolean(),
  fc.constant({}),
);
const limitKey = fc.constantFrom(...Object.keys(DEFAULT_LIMITS), 'maxDepht', '__proto__', 'toString');

describe('fast paths agree with their schemas', () => {
  it('limits: overrides of the defaults, keys removed, unknown keys', () => {
    fc.assert(
      fc.property(fc.dictionary(limitKey, limitValue, { maxKeys: 5 }), fc.array(fc.constantFrom(...Object.keys(DEFAULT_LIMITS)), { maxLength: 2 }), (overrides, dropped) => {
        const value: Record<string, unknown> = { ...DEFAULT_LIMITS, ...overrides };
        for (const key of dropped) delete value[key];
        return agrees(LimitsSchema, value);
      }),
      { numRuns: 2000 },
    );
  });

  it('limits: the common cases are taken by the fast path, with the schema key order', () => {
    const fast = fastPathOf(LimitsSchema)!;
    const given = { maxCostUsd: 0.5, maxDepth: 1 };
    const out = fast({ ...DEFAULT_LIMITS, ...given });
    expect(exact(out)).toBe(exact(LimitsSchema.parse({ ...DEFAULT_LIMITS, ...given })));
    expect(Object.keys(out!)).toEqual(Object.keys(DEFAULT_LIMITS));
    // Left to the schema: an unknown key (stripped there), an optional key given as undefined, a value out of range.
    expect(fast({ ...DEFAULT_LIMITS, maxDepht: 1 })).toBeUndefined();
    expect(fast({ ...DEFAULT_LIMITS, maxSubCalls: undefined })).toBeUndefined();
    expect(fast({ ...DEFAULT_LIMITS, maxIterations: 0 })).toBeUndefined();
    expect(fast(Object.assign(Object.create({ maxDepth: 1 }) as object, { ...DEFAULT_LIMITS }))).toBeUndefined();
  });

  it('a bad limit still gets the schema error, word for word', () => {
    const bad = { ...DEFAULT_LIMITS, maxIterations: 0 };
    expect(quickParse(LimitsSchema, bad)).toEqual(LimitsSchema.safeParse(bad));
    expect(quickParse(LimitsSchema, bad).error?.issues[0]?.message).toMatch(/>0|>= ?1|positive/i);
  });

  it('prompt config: only the bare config is taken, and as the schema parses it', () => {
    fc.assert(
      fc.property(
        fc.record({ version: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double(), fc.string(), fc.constant(undefined)) }, { requiredKeys: [] }),
        fc.option(fc.record({ variant: fc.constantFrom('default', 'nope', undefined), template: fc.string() }, { requiredKeys: [] }), { nil: undefined }),
        (base, extra) => agrees(PromptConfigSchema, { ...extra, ...base }),
      ),
      { numRuns: 500 },
    );
    expect(fastPathOf(PromptConfigSchema)!({ version: PROMPT_VERSION })).toEqual({ version: PROMPT_VERSION });
    expect(fastPathOf(PromptConfigSchema)!({ version: PROMPT_VERSION, variant: 'minimal' })).toBeUndefined();
  });

  it('delegate arguments: what the REPL sends, and what it must not', () => {
    const text = fc.oneof(fc.constantFrom('', 'a', 'child_0'), fc.string());
    const arg = fc.oneof(text, fc.constant(null), fc.constant(undefined), fc.array(fc.oneof(text, fc.constant(1), fc.constant(null)), { maxLength: 4 }), fc.integer(), fc.constant({}));
    fc.assert(
      fc.property(fc.record({ name: arg, query: arg, context: arg, instructions: arg, extra: arg }, { requiredKeys: [] }), (value) => agrees(DelegateArgsSchema, value)),
      { numRuns: 3000 },
    );
    expect(agrees(DelegateArgsSchema, [1])).toBe(true);
    expect(agrees(DelegateArgsSchema, 'name')).toBe(true);
    expect(agrees(DelegateArgsSchema, null)).toBe(true);
    const fast = fastPathOf(DelegateArgsSchema)!;
    expect(fast({ name: 'c', query: 'q' })).toEqual({ name: 'c', query: 'q', context: null, instructions: null });
    expect(fast({ name: 'c', query: 'q', context: ['a', 'b'] })).toEqual({ name: 'c', query: 'q', context: ['a', 'b'], instructions: null });
    // A sparse list has holes the schema refuses.
    expect(fast({ name: 'c', query: 'q', context: [, 'b'] })).toBeUndefined(); // eslint-disable-line no-sparse-arrays
    expect(quickParse(DelegateArgsSchema, { name: '', query: 'q' })).toEqual(DelegateArgsSchema.safeParse({ name: '', query: 'q' }));
  });

  it("delegate's answer: a string, else the schema's say", () => {
    fc.assert(fc.property(fc.anything(), (value) => agrees(delegateHostCall.answer, value)));
  });
});

/** Values just past a field's bounds. */
const NEAR_MISSES: unknown[] = [-1, -0, 0, 0.5, 1, 2, 2.0000001, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1, undefined, null, '', 'gpt', [], ['a'], ['a', 1], [, 'a'], {}, { a: undefined }, true]; // eslint-disable-line no-sparse-arrays

/** Every key of `valid` set to each near miss, and dropped, and a key added: each must agree. */
function nearMissesAgree(schema: z.ZodType, valid: Record<string, unknown>): boolean {
  for (const key of [...Object.keys(valid), 'schema', 'extra', '__proto__']) {
    for (const junk of NEAR_MISSES) agrees(schema, { ...valid, [key]: junk });
    const { [key]: _, ...dropped } = valid;
    agrees(schema, dropped);
  }
  return agrees(schema, valid);
}

describe('JSON and sub-call argument fast paths agree with their schemas', () => {
  it('JsonSchema: any value, JSON values, and JSON with a value past the edge inside', () => {
    fc.assert(fc.property(fc.anything({ withNullPrototype: true, withSparseArray: true, withObjectString: true }), (value) => agrees(JsonSchema, value)), { numRuns: 2000 });
    fc.assert(fc.property(fc.jsonValue(), fc.constantFrom(...NEAR_MISSES), (value, junk) => agrees(JsonSchema, value) && agrees(JsonSchema, [value, junk]) && agrees(JsonSchema, { a: value, b: junk })), { numRuns: 1000 });
    expect(fastPathOf(JsonSchema)!({ a: [1, 'x', null, { b: true }] })).toEqual({ a: [1, 'x', null, { b: true }] });
    expect(fastPathOf(JsonSchema)!(JSON.parse('{"__proto__": {"x": 1}}'))).toBeUndefined();
  });

  it('host answers, one and a batch of them: valid ones, every key pushed past its bounds', () => {
    const answer = fc.oneof(fc.record({ ok: fc.constant(true), value: fc.jsonValue({ maxDepth: 2 }) }), fc.record({ ok: fc.constant(false), error: fc.string(), kind: fc.constantFrom('budget', 'schema', 'llm'), reply: fc.string() }, { requiredKeys: ['ok', 'error'] }));
    fc.assert(fc.property(answer, (value) => nearMissesAgree(HostAnswerSchema, value)), { numRuns: 150 });
    fc.assert(fc.property(fc.array(answer, { maxLength: 4 }), fc.constantFrom(...NEAR_MISSES), (list, junk) => agrees(llmQueryBatchedHostCall.answer, list) && agrees(llmQueryBatchedHostCall.answer, [...list, junk])), { numRuns: 300 });
    expect(fastPathOf(HostAnswerSchema)!({ ok: false, error: 'e', kind: 'budget' })).toEqual({ ok: false, error: 'e', kind: 'budget' });
    expect(fastPathOf(llmQueryBatchedHostCall.answer)!([{ ok: true, value: 'a' }])).toEqual([{ ok: true, value: 'a' }]);
  });

  it('tool calls: what the prelude sends, every key pushed past its bounds', () => {
    fc.assert(
      fc.property(fc.record({ tool: fc.string(), args: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), kwargs: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) }, { requiredKeys: ['tool'] }), (value) => nearMissesAgree(ToolArgsSchema, value)),
      { numRuns: 150 },
    );
    expect(fastPathOf(ToolArgsSchema)!({ tool: 't' })).toEqual({ tool: 't', args: [], kwargs: {} });
    expect(fastPathOf(ToolArgsSchema)!({ tool: 't', args: [1, 'a'], kwargs: { k: null } })).toEqual({ tool: 't', args: [1, 'a'], kwargs: { k: null } });
  });

  const params = { model: fc.oneof(fc.string(), fc.constant(null)), max_tokens: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constant(null)), temperature: fc.oneof(fc.double({ min: 0, max: 2, noNaN: true }), fc.constant(null)) };
  it('llm_query: what the prelude sends, every key pushed past its bounds', () => {
    fc.assert(fc.property(fc.record({ prompt: fc.string(), ...params }, { requiredKeys: ['prompt'] }), (value) => nearMissesAgree(LlmQueryArgsSchema, value)), { numRuns: 100 });
    expect(fastPathOf(LlmQueryArgsSchema)!({ prompt: 'p', model: null })).toEqual({ prompt: 'p', model: null });
    expect(fastPathOf(LlmQueryArgsSchema)!({ prompt: 'p', max_tokens: 5 })).toEqual({ prompt: 'p', model: null, max_tokens: 5 });
    // schema= is ajv's to check: left to the schema.
    expect(fastPathOf(LlmQueryArgsSchema)!({ prompt: 'p', model: null, schema: { type: 'object' } })).toBeUndefined();
  });

  it('llm_query_batched: what the prelude sends, every key pushed past its bounds', () => {
    fc.assert(fc.property(fc.record({ prompts: fc.array(fc.string(), { maxLength: 4 }), ...params }, { requiredKeys: ['prompts'] }), (value) => nearMissesAgree(LlmQueryBatchedArgsSchema, value)), { numRuns: 100 });
    expect(fastPathOf(LlmQueryBatchedArgsSchema)!({ prompts: ['a', 'b'], model: 'm', temperature: 0 })).toEqual({ prompts: ['a', 'b'], model: 'm', temperature: 0 });
    expect(quickParse(LlmQueryBatchedArgsSchema, { prompts: ['a', 3] })).toEqual(LlmQueryBatchedArgsSchema.safeParse({ prompts: ['a', 3] }));
  });
});

describe('quickParse', () => {
  it('answers from the fast path when it knows the value, else from the schema', () => {
    const schema = z.object({ n: z.number() });
    let asked = 0;
    withFastPath(schema, (v) => {
      asked++;
      return (v as { n?: unknown }).n === 1 ? { n: 1 } : undefined;
    });
    expect(quickParse(schema, { n: 1 })).toEqual({ success: true, data: { n: 1 } });
    expect(quickParse(schema, { n: 'x' }).success).toBe(false);
    expect(asked).toBe(2);
    expect(quickParse(z.string(), 5).success).toBe(false); // no fast path: the schema alone
  });
});
