import { ScriptedLLM } from '@rlmtree/core';
import { describe, expect, it } from 'vitest';
import { baselineModel } from './policies/baseline.ts';
import { summarize, resultsCsv } from './report.ts';
import { runBaseline, type InstanceResult } from './runner.ts';
import { makeNeedle } from './tasks/sniah.ts';

describe('runBaseline with the scripted base model', () => {
  const inst = makeNeedle({ sizeTokens: 16_384, depth: 0.5, haystack: 'filler', seed: 5 });
  const base = new ScriptedLLM(baselineModel);

  it('finds a mid-context needle when the whole context fits the window', async () => {
    const r = await runBaseline(inst, base, 40_000);
    expect(r.contextInPrompt).toBe(1);
    expect(r.answer).toBe(inst.gold);
    expect(r.score).toBe(1);
    expect(r.fullPromptChars).toBe(r.rootPromptChars);
  });

  it('loses it when the window cuts the middle out, and says how much it kept', async () => {
    const r = await runBaseline(inst, base, 10_000);
    expect(r.contextInPrompt).toBeLessThan(0.6);
    expect(r.score).toBe(0);
    expect(r.rootPromptChars).toBeLessThan(r.fullPromptChars);
  });
});

describe('summarize', () => {
  const result = (sizeTokens: number, system: 'rlm' | 'baseline', score: number, costUsd: number): InstanceResult => ({
    instance: `x-${sizeTokens}`, task: 'x', sizeTokens, system, score, answer: 'a', gold: 'a', error: score ? null : 'llm_error: x',
    costUsd, rootTokens: 10, subTokens: 20, llmCalls: 3, depth: system === 'rlm' ? 1 : 0, wallMs: 100,
    rootPromptChars: 400, rootPromptTokens: 100, fullPromptChars: 4 * sizeTokens, contextChars: 4 * sizeTokens, contextInPrompt: system === 'rlm' ? 0 : 1,
  });

  it('groups by size then system (RLM first) with mean score, mean and p95 cost, and failures', () => {
    const costs = [0.01, 0.02, 0.03, 0.04, 1.0];
    const rs = [result(8192, 'baseline', 1, 0.5), ...costs.map((c, i) => result(8192, 'rlm', i === 4 ? 0 : 1, c)), result(4096, 'rlm', 1, 0.1)];
    const s = summarize(rs);
    expect(s.map((x) => `${x.sizeTokens}/${x.system}`)).toEqual(['4096/rlm', '8192/rlm', '8192/baseline']);
    const rlm = s[1]!;
    expect(rlm.n).toBe(5);
    expect(rlm.score).toBeCloseTo(0.8);
    expect(rlm.costMean).toBeCloseTo(0.22);
    // p95 of 0.01..0.04, 1.0 lies between the two largest: above the 4th, at most the 5th.
    expect(rlm.costP95).toBeGreaterThan(0.04);
    expect(rlm.costP95).toBeLessThanOrEqual(1.0);
    expect(rlm.errors).toBe(1);
  });

  it('writes one CSV row per result, answers with newlines quoted', () => {
    const csv = resultsCsv([{ ...result(4096, 'rlm', 1, 0), answer: '(1, 2)\n(1, 3)' }]);
    expect(csv.split('\n')[0]).toMatch(/^task,sizeTokens,instance,system,score/);
    expect(csv).toContain('"(1, 2)\n(1, 3)"');
  });
});
