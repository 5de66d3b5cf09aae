/**
 * The real model path end to end: `rlmtree run --model openai:<model>` drives the real `openai`
 * SDK against a local OpenAI-compatible server whose replies are the main-job policy's.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedLLM, parseScript } from '@rlmtree/core';
import { startFakeOpenAI, type FakeOpenAIServer } from '@rlmtree/openai/testing';
import { topSpeaker } from './speakers.ts';
import { runCli } from './helpers/cli.ts';

const ROOT = join(import.meta.dirname, '..');
const CORPUS = join(ROOT, 'examples/data/tinyshakespeare.txt');
const QUERY = 'Which speaker has the most speeches in this text, and how many?';

let server: FakeOpenAIServer;

beforeAll(async () => {
  const policy = (await import(join(ROOT, 'examples/speakers/policy.mjs'))).default;
  server = await startFakeOpenAI({ reply: new ScriptedLLM(parseScript(policy, 'policy.mjs')) });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

function cli(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENAI_BASE_URL: server.baseURL };
  delete env.OPENAI_API_KEY;
  return runCli(args, { env });
}

/** The total cost in USD from the summary's `total` line. */
function totalCost(stderr: string): number {
  const m = /^\s*total\s.*\$(\d+\.\d+)$/m.exec(stderr);
  if (!m) throw new Error(`no total usage line in:\n${stderr}`);
  return Number(m[1]);
}

describe('rlmtree run --model openai:<model>', () => {
  it('answers the main job through the openai SDK and prints usage and cost', async () => {
    const expected = topSpeaker(await readFile(CORPUS, 'utf8'));
    const r = await cli(['run', QUERY, '--context', CORPUS, '--model', 'openai:gpt-5']);
    expect(r.stderr).not.toMatch(/SCRIPTED/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${expected.speaker} has the most speeches: ${expected.speeches}`);
    const completions = server.requests.filter((q) => q.path === '/v1/chat/completions');
    expect(completions.length).toBe(6); // the root twice, four children once
    expect(completions.every((q) => q.body.model === 'gpt-5' && q.headers.authorization === undefined)).toBe(true);
    expect(r.stderr).toMatch(/^\s*root\.part_0\s+1 calls · /m);
    expect(totalCost(r.stderr)).toBeGreaterThan(0); // gpt-5 is in the price table
  });

  it('--sub-model routes the children to another model', async () => {
    const r = await cli(['run', QUERY, '--context', CORPUS, '--model', 'openai:gpt-5', '--sub-model', 'openai:gpt-5-mini']);
    expect(r.code).toBe(0);
    const models = server.requests.map((q) => `${q.body.model}:${/^Query: Count the speeches/m.test(q.body.messages[1]?.content ?? '') ? 'child' : 'root'}`);
    expect(models.filter((m) => m === 'gpt-5:root')).toHaveLength(2);
    expect(models.filter((m) => m === 'gpt-5-mini:child')).toHaveLength(4);
    expect(models).toHaveLength(6);
  });

  it('a provider failure ends the run with the structured reason and exit 3, not a crash', async () => {
    server.faults.push(...[1, 2, 3].map(() => ({ status: 500, headers: { 'retry-after-ms': '5' } })));
    const failed = await cli(['run', QUERY, '--context', CORPUS, '--model', 'openai:gpt-5']);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/ended without an answer: llm_error: .*openai:gpt-5: HTTP 500/);
  });
});
