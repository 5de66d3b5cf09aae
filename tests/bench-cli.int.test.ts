/**
 * `rlmtree bench` end to end for each task at two small sizes with the scripted policies: real
 * Python REPLs, real sub-calls and delegation, scored answers, traces that replay to the answer,
 * and the root prompt flat for the RLM while the baseline's grows with the context.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace, replay, ScriptedLLM } from '@rlmtree/core';
import { baselineModel, parsePairs, rootPolicy, subModel } from '@rlmtree/bench';
import { startFakeOpenAI } from '@rlmtree/openai/testing';
import { runCli } from './helpers/cli.ts';


const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) => runCli(args, { env });

interface Result {
  instance: string;
  sizeTokens: number;
  system: 'rlm' | 'baseline';
  score: number;
  answer: string | null;
  gold: string;
  depth: number;
  subTokens: number;
  rootPromptChars: number;
  fullPromptChars: number;
  contextInPrompt: number;
}

describe('rlmtree bench with the scripted policies', () => {
  for (const task of ['s-niah', 'oolong', 'oolong-pairs']) {
    it(`${task}: 2^12 and 2^14 tokens, RLM at 100% with a flat root prompt, baseline cut to its window`, async () => {
      const out = await mkdtemp(join(tmpdir(), `rlmtree-bench-${task}-`));
      // A window of 8,000 tokens holds 2^12 tokens of context but not 2^14.
      const r = await cli(['bench', task, '--model', 'scripted', '--sizes', '2^12,2^14', '--n', '2', '--seed', '3', '--baseline', '--window', '8000', '--out', out]);
      expect(r.stderr).toMatch(/SCRIPTED/);
      expect(r.code, r.stderr).toBe(0);
      const { results } = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as { results: Result[] };
      const rlm = results.filter((x) => x.system === 'rlm');
      const base = results.filter((x) => x.system === 'baseline');
      expect(rlm).toHaveLength(4);
      expect(base).toHaveLength(4);

      for (const x of rlm) {
        expect(x.score, `${x.instance}: ${x.answer}`).toBe(1);
        if (task === 'oolong-pairs') expect(parsePairs(x.answer!)).toEqual(parsePairs(x.gold));
        expect(x.subTokens).toBeGreaterThan(0); // the work went through sub-calls
        expect(x.depth).toBe(task === 'oolong-pairs' ? 1 : 0); // pairs delegates to child agents
      }
      // The paper's property: the RLM's root prompt does not grow with the context (x4 here);
      // the baseline's prompt with the whole context grows with it.
      const mean = (xs: Result[], f: (x: Result) => number) => xs.reduce((n, x) => n + f(x), 0) / xs.length;
      const at = (xs: Result[], size: number) => xs.filter((x) => x.sizeTokens === size);
      const rlmGrowth = mean(at(rlm, 16384), (x) => x.rootPromptChars) / mean(at(rlm, 4096), (x) => x.rootPromptChars);
      const baseGrowth = mean(at(base, 16384), (x) => x.fullPromptChars) / mean(at(base, 4096), (x) => x.fullPromptChars);
      expect(rlmGrowth).toBeLessThan(1.1);
      expect(baseGrowth).toBeGreaterThan(3.8);
      expect(at(base, 4096).every((x) => x.contextInPrompt === 1)).toBe(true);
      expect(at(base, 16384).every((x) => x.contextInPrompt < 0.6)).toBe(true);
      expect(r.stdout).toMatch(/baseline's context was cut in the middle to fit its 8,000-token window at 2\^14/);
      expect(r.stdout).toMatch(/context 2\^12 \(4,096\) tokens/);
      expect(r.stdout).toMatch(/RLM root prompt chars/);

      // One trace per RLM run; replayed with no model or runtime it ends in the recorded answer.
      const traces = (await readdir(join(out, 'traces'))).sort();
      expect(traces).toEqual(rlm.map((x) => `${x.instance}.jsonl`).sort());
      const first = rlm[0]!;
      const states = replay(await readTrace(join(out, 'traces', `${first.instance}.jsonl`)));
      const root = states.at(-1)!.nodes.root!;
      expect(typeof root.result === 'string' ? root.result : JSON.stringify(root.result)).toBe(first.answer);

      const csv = (await readFile(join(out, 'results.csv'), 'utf8')).trim().split('\n');
      expect(csv[0]).toMatch(/^task,sizeTokens,instance,system,score,/);
    });
  }

  it('names a bad task or size in one line and exits non-zero', async () => {
    const bad = await cli(['bench', 'niah', '--model', 'scripted']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('rlmtree: bench: unknown task "niah" (tasks: s-niah, oolong, oolong-pairs)');
    const size = await cli(['bench', 'oolong', '--model', 'scripted', '--sizes', '2^13,huge']);
    expect(size.code).toBe(1);
    expect(size.stderr.trim()).toMatch(/^rlmtree: bench: size "huge" is not a token count/);
  });
});

describe('rlmtree bench with openai:<model>', () => {
  it('drives the real openai SDK for root, sub-calls and baseline, and reports their tokens and cost', async () => {
    // A local OpenAI-compatible server: gpt-5 answers as the root policy (agent prompts) or the
    // base model (a bare prompt), gpt-5-mini as the sub-model.
    const root = rootPolicy('oolong');
    const server = await startFakeOpenAI({
      models: ['gpt-5', 'gpt-5-mini'],
      reply: new ScriptedLLM((req, info) => {
        if (req.model === 'gpt-5-mini') return subModel(req, info);
        return req.messages[0]?.role === 'system' ? root(req, info) : baselineModel(req, info);
      }),
    });
    try {
      const out = await mkdtemp(join(tmpdir(), 'rlmtree-bench-openai-'));
      const env: NodeJS.ProcessEnv = { ...process.env, OPENAI_BASE_URL: server.baseURL };
      delete env.OPENAI_API_KEY;
      const r = await cli(['bench', 'oolong', '--model', 'openai:gpt-5', '--sub-model', 'openai:gpt-5-mini', '--sizes', '2^12', '--n', '1', '--baseline', '--out', out, '--no-traces'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/SCRIPTED/);
      const { results } = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as { results: (Result & { costUsd: number; rootTokens: number; llmCalls: number })[] };
      const [rlm, base] = results;
      expect(rlm!.system).toBe('rlm');
      expect(rlm!.score).toBe(1);
      expect(rlm!.costUsd).toBeGreaterThan(0); // gpt-5 / gpt-5-mini are in core's price table
      expect(rlm!.rootTokens).toBeGreaterThan(0);
      expect(rlm!.subTokens).toBeGreaterThan(0);
      expect(base!.system).toBe('baseline');
      expect(base!.costUsd).toBeGreaterThan(0);
      const models = server.requests.filter((q) => q.body?.model).map((q) => q.body.model as string);
      expect(models.filter((m) => m === 'gpt-5')).toHaveLength(3); // two root turns and the baseline
      expect(models.filter((m) => m === 'gpt-5-mini').length).toBe(rlm!.llmCalls - 2);
      expect(existsSync(join(out, 'traces'))).toBe(false);
    } finally {
      await server.close();
    }
  });
});
