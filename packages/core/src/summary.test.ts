import { describe, expect, it } from 'vitest';
import { createRun } from './create.ts';
import { reduceAll } from './reduce.ts';
import { runSummary } from './summary.ts';
import { ran, replied, usage } from './testing/fixtures.ts';

describe('runSummary', () => {
  it('counts iterations, sub-calls (sent, cache hits, refused), usage and the root variables', () => {
    const s0 = createRun('q', 'some context');
    const subUsage = usage(5, 2);
    const s1 = reduceAll(s0, [
      replied('root', 'x = llm_query("a")'),
      { type: 'step_ended', durationMs: 12 },
      ran('root', { status: 'ok' }, {
        bound: [{ name: 'x', type: 'str', hash: 'h', repr: "'A'" }],
        calls: [
          { name: 'llm_query', args: { prompt: 'a', model: null }, answer: { ok: true, value: 'A' }, usage: usage(5, 1) },
          { name: 'llm_query_batched', args: { prompts: ['b', 'c', 'd', 'e'], model: null }, answer: { ok: true, value: ['B', 'C', 'D', 'E'] }, usage: subUsage, cacheHits: 1, refused: 1 },
          { name: 'llm_query', args: { prompt: 'a', model: null }, answer: { ok: true, value: 'A' }, cacheHits: 1 },
        ],
      }),
      { type: 'step_ended', durationMs: 30 },
    ]);
    const s = runSummary(s1);
    expect(s.finished).toBe(false);
    expect(s.iterations).toEqual({ total: 1, perAgent: { root: 1 } });
    // 1 + (4 - 1 hit - 1 refused) sent; 2 hits in all; 1 refused.
    expect(s.subCalls).toEqual({ sent: 3, cacheHits: 2, refused: 1 });
    expect(s.usage.llmCalls).toBe(1 + 1 + 2);
    expect(s.usage.inputTokens).toBe(10 + 5 + 10);
    expect(s.elapsedMs).toBe(42);
    expect(s.variables).toEqual([{ name: 'x', type: 'str', repr: "'A'" }]);
    // A later cell that rebinds x and binds y: x's latest report wins, y joins.
    const s2 = reduceAll(reduceAll(s1, [replied('root', 'x = 2; y = 3')]), [ran('root', { status: 'ok' }, { bound: [{ name: 'x', type: 'int', hash: 'h2', repr: '2' }, { name: 'y', type: 'int', hash: 'h3', repr: '3' }] })]);
    expect(runSummary(s2).variables).toEqual([{ name: 'x', type: 'int', repr: '2' }, { name: 'y', type: 'int', repr: '3' }]);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('gives the answer of a finished run and the structured error of a failed one', () => {
    const s0 = createRun('q', 'c');
    const done = reduceAll(s0, [replied('root', 'done(7)'), ran('root', { status: 'done', result: 7 }), { type: 'step_ended', durationMs: 1 }]);
    expect(runSummary(done)).toMatchObject({ finished: true, answer: 7, error: null, agents: 1, variables: [] });
    const failed = reduceAll(s0, [{ type: 'llm_failed', agentId: 'root', message: 'scripted: no reply' }]);
    expect(runSummary(failed)).toMatchObject({ finished: true, answer: null, error: { kind: 'llm_error' } });
  });
});
