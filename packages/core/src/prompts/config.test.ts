import { describe, expect, it } from 'vitest';
import { createRun } from '../create.ts';
import { reduceAll } from '../reduce.ts';
import { ran, replied } from '../testing/fixtures.ts';
import { PROMPT_VERSION, PromptConfigError } from './config.ts';

const system = (s: ReturnType<typeof createRun>, id = 'root') => s.nodes[id]!.messages[0]!.content;
const delegating = (s: ReturnType<typeof createRun>) =>
  reduceAll(s, [
    replied('root', 'h = delegate("p0", "count", context="a")'),
    ran('root', { status: 'ok' }, { calls: [{ name: 'delegate', args: { name: 'p0', query: 'count', contextChars: 1 }, answer: { ok: true, value: 'root.p0' } }], delegated: [{ id: 'root.p0', name: 'p0', query: 'count', context: 'a' }] }),
  ]);

describe('prompt config', () => {
  it('the default prompt teaches the method with examples: size up, split, delegate, combine', () => {
    const text = system(createRun('q', 'some text'));
    for (const step of ['Size up.', 'Split.', 'Delegate.', 'Combine.']) expect(text).toContain(step);
    expect(text).toContain('llm_query_batched([');
    expect(text).toContain('yield wait(*handles)');
    expect(text).toContain('CONTEXT, a str of 9 characters');
  });

  it('variants: minimal is short, cost-warning names the budgets, compat teaches context / FINAL / FINAL_VAR', () => {
    const full = system(createRun('q', 'x'));
    const minimal = system(createRun('q', 'x', { prompt: { variant: 'minimal' } }));
    expect(minimal.length).toBeLessThan(full.length / 2);
    expect(minimal).not.toContain('## Examples');
    const cost = system(createRun('q', 'x', { prompt: { variant: 'cost-warning' }, limits: { maxCostUsd: 0.5, maxSubCalls: 40 } }));
    expect(cost).toMatch(/## Cost[\s\S]*at most \$0\.5 for the whole run, 40 sub-calls in all/);
    const compat = createRun('q', 'x', { prompt: { variant: 'compat' } });
    expect(system(compat)).toMatch(/the REPL variable context,/);
    expect(system(compat)).toContain('FINAL_VAR(variable_name)');
    expect(compat.nodes.root!.messages[1]!.content).toMatch(/^Query: q\n\ncontext is a str/);
  });

  it('a custom template fills its slots and is recorded in the state', () => {
    const template = 'You are a careful auditor at depth {{depth}} of {{max_depth}}.\n{{api}}\nInput: {{ context }}.';
    const s = createRun('q', 'abc', { prompt: { template } });
    expect(s.prompt).toEqual({ version: PROMPT_VERSION, template });
    expect(system(s)).toMatch(/^You are a careful auditor at depth 0 of 2\.\n- CONTEXT: the input\./);
    expect(system(s)).toContain('Input: a str of 3 characters.');
    expect(system(createRun('q', 'abc', { prompt: { template: 'Be brief.\n\n{{builtin}}' } }))).toMatch(/^Be brief\.\n\nYou answer a query/);
  });

  it('per-depth prompts: children get their depth entry, the root the top level', () => {
    const s = delegating(createRun('q', 'abc', { prompt: { depths: { '1': { variant: 'minimal' } } } }));
    expect(system(s)).toContain('## Examples');
    expect(system(s, 'root.p0')).not.toContain('## Examples');
    expect(system(s, 'root.p0')).toContain('You are at depth 1');
  });

  it('names what is wrong in a prompt config', () => {
    expect(() => createRun('q', 'x', { prompt: { template: 'Hi {{contxt}}' } })).toThrow(PromptConfigError);
    expect(() => createRun('q', 'x', { prompt: { template: 'Hi {{contxt}}' } })).toThrow(/prompt\.template: unknown slot \{\{contxt\}\}; the slots are \{\{context\}\}/);
    expect(() => createRun('q', 'x', { prompt: { depths: { '1': { template: '{{nope}}' } } } })).toThrow(/prompt\.depths\.1\.template: unknown slot \{\{nope\}\}/);
    expect(() => createRun('q', 'x', { prompt: { variant: 'tiny' as 'minimal' } })).toThrow(/prompt\.variant: /);
    expect(() => createRun('q', 'x', { prompt: { depths: { root: {} } } })).toThrow(/prompt\.depths\.root: a depth is a whole number/);
  });
});
