/**
 * Cost control from the command line (issue 17): the sub-call budget flags and --no-sub-calls on
 * `run`, `resume` and `serve`, the sub-call cache (--cache / --no-cache), and the RunSummary in
 * `run --json` and in serve's usage extension. Real python3 REPLs; a scripted model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers/cli.ts';
import { startServeProcess } from './helpers/serve.ts';

const POLICY = `scripted:${join(ROOT, 'tests/fixtures/subcall-policy.mjs')}`;
const dir = mkdtempSync(join(tmpdir(), 'rlmtree-cost-cli-'));
const ctx = join(ROOT, 'examples/data/tinyshakespeare.txt');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...flags: string[]) {
  const r = await runCli(['run', 'Ask away', '-c', ctx, '-m', POLICY, '--no-live', '--json', ...flags]);
  return { ...r, report: JSON.parse(r.stdout) as { answer: { sent: number; refused: number; functions: string[] }; summary: { subCalls: { sent: number; cacheHits: number; refused: number } } } };
}

describe('cost flags on rlmtree run', () => {
  it('--max-sub-calls caps the sub-calls sent; --json carries the run summary', async () => {
    const { code, report } = await run('--max-sub-calls', '5', '--no-cache');
    expect(code).toBe(0);
    expect(report.answer).toMatchObject({ sent: 5, refused: 15 });
    expect(report.summary.subCalls).toEqual({ sent: 5, cacheHits: 0, refused: 15 });
  });

  it.each([
    [['--max-sub-calls-per-agent', '4'], { sent: 4, refused: 16 }],
    [['--max-sub-call-chars', '5'], { sent: 0, refused: 20 }],
    [['--max-sub-call-tokens', '12'], { sent: 2, refused: 18 }],
  ])('%j caps the sub-calls sent before they are sent', async (flags, expected) => {
    const { code, report } = await run(...flags, '--no-cache');
    expect(code).toBe(0);
    expect(report.answer).toMatchObject(expected);
    expect(report.summary.subCalls).toMatchObject(expected);
  });

  it('the in-run cache answers repeats for free and uncounted; --no-cache sends them all', async () => {
    const cached = await run('--max-sub-calls', '5');
    // Two distinct prompts are sent; the other eighteen are cache hits, which the budget does not count.
    expect(cached.report.answer).toMatchObject({ sent: 20, refused: 0 });
    expect(cached.report.summary.subCalls).toEqual({ sent: 2, cacheHits: 18, refused: 0 });
    const uncached = await run('--no-cache');
    expect(uncached.report.summary.subCalls).toEqual({ sent: 20, cacheHits: 0, refused: 0 });
  });

  it('--cache <file> keeps replies across runs', async () => {
    const file = join(dir, 'cache.sqlite');
    await run('--cache', file);
    const second = await run('--cache', file);
    expect(second.report.summary.subCalls).toEqual({ sent: 0, cacheHits: 20, refused: 0 });
  });

  it('--no-sub-calls removes llm_query from the REPL', async () => {
    const { report } = await run('--no-sub-calls');
    expect(report.answer).toEqual({ sent: 0, refused: 0, functions: [] });
  });

  it('bad budget values are one-line usage errors naming the flag', async () => {
    const r = await runCli(['run', 'q', '-c', ctx, '-m', POLICY, '--max-sub-calls', '-1']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--max-sub-calls/);
  });
});

describe('cost flags on rlmtree resume', () => {
  it('a fork at step 1 with a budget set on resume sends only what the budget allows', async () => {
    const trace = join(dir, 'run.jsonl');
    const first = await runCli(['run', 'Ask away', '-c', ctx, '-m', POLICY, '--no-live', '--no-cache', '--trace', trace]);
    expect(first.code).toBe(0);
    const r = await runCli(['resume', trace, '--from', '1', '--max-sub-calls', '3', '--no-cache', '--no-live', '--json', '--trace', join(dir, 'fork.jsonl')]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { answer: { sent: number; refused: number }; summary: { subCalls: { refused: number } } };
    expect(report.answer).toMatchObject({ sent: 3, refused: 17 });
    expect(report.summary.subCalls.refused).toBe(17);
  });
});

describe('cost flags on rlmtree chat', () => {
  it('--max-sub-calls applies to the session\'s turns', async () => {
    const r = await runCli(['chat', '--context', ctx, '--model', POLICY, '--max-sub-calls', '3', '--no-cache', '--no-live'], { input: 'Ask away\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/"sent": ?3/);
    expect(r.stdout).toMatch(/"refused": ?17/);
  });
});

describe('cost flags on rlmtree serve', () => {
  it('--max-sub-calls applies to every request; the usage extension carries the run summary', async () => {
    const serve = await startServeProcess(['--model', POLICY, '--max-sub-calls', '4', '--no-cache']);
    try {
      const res = await fetch(`${serve.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'rlmtree', messages: [{ role: 'user', content: 'Ask away' }] }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { choices: { message: { content: string } }[]; usage: { rlmtree: { subCalls: { sent: number; refused: number } } } };
      expect(JSON.parse(body.choices[0]!.message.content)).toMatchObject({ sent: 4, refused: 16 });
      expect(body.usage.rlmtree.subCalls).toMatchObject({ sent: 4, refused: 16 });
    } finally {
      await serve.stop();
    }
  });
});
