/**
 * `kill -9` at random moments, then `rlmtree resume`: every trial gives the same answer, the same
 * step numbers and the same per-agent model-call counts as a run that was never killed (REPLs
 * rebuilt from the record, no step lost or repeated, the trace's chain intact). CI runs 3 trials;
 * `RLMTREE_KILL_TRIALS=20 npx vitest run tests/kill-resume.int.test.ts` runs the full check.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace, replay, type RunEvent } from '@rlmtree/core';
import { BIN, ROOT, runCli } from './helpers/cli.ts';

const TRIALS = Number(process.env.RLMTREE_KILL_TRIALS ?? 3);
const MODEL = `scripted:${join(ROOT, 'tests/fixtures/slow-counter.mjs')}`;
const dir = mkdtempSync(join(tmpdir(), 'rlmtree-kill-'));
const CONTEXT = join(dir, 'context.txt');
writeFileSync(CONTEXT, 'some text\n'.repeat(1000));

const stepLines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('{"kind":"step"')).length : -1);

/** What a finished trace says: answer, step numbers, model replies per agent. */
async function facts(path: string) {
  const trace = await readTrace(path);
  const states = replay(trace);
  const calls: Record<string, number> = {};
  for (const e of trace.steps.flatMap((s) => s.events) as RunEvent[]) if (e.type === 'llm_replied') calls[e.agentId] = (calls[e.agentId] ?? 0) + 1;
  return { answer: states.at(-1)!.nodes.root!.result, steps: trace.steps.map((s) => s.step), calls, warnings: trace.warnings };
}

describe(`kill -9 at random moments, then resume (${TRIALS} trials)`, () => {
  it('every trial gives the answer, steps and per-agent model calls of a run never killed', async () => {
    const reference = join(dir, 'reference.jsonl');
    const ref = await runCli(['run', 'count', '--context', CONTEXT, '--model', MODEL, '--trace', reference, '--no-live']);
    expect(ref.code).toBe(0);
    const want = await facts(reference);
    expect(want.warnings).toEqual([]);
    const total = want.steps.length;
    const outcomes: string[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const trace = join(dir, `trial-${t}.jsonl`);
      const child = spawn(process.execPath, [BIN, 'run', 'count', '--context', CONTEXT, '--model', MODEL, '--trace', trace, '--no-live'], { cwd: ROOT, stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      // A random moment: after a random number of recorded steps (0 = the header only), plus up to 150 ms.
      const after = Math.floor(Math.random() * total);
      const deadline = Date.now() + 60_000;
      while (stepLines(trace) < after && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      child.kill('SIGKILL');
      await exited;
      const killedAt = stepLines(trace);
      const r = await runCli(['resume', trace, '--no-live']);
      const got = await facts(trace);
      const same = r.code === 0 && JSON.stringify([got.answer, got.steps, got.calls]) === JSON.stringify([want.answer, want.steps, want.calls]) && got.warnings.length === 0;
      outcomes.push(`trial ${t}: killed after ${killedAt} of ${total} steps -> ${same ? 'identical' : `DIFFERENT (${r.code} ${r.stderr.slice(-200)})`}`);
      expect(r.code, r.stderr).toBe(0);
      expect(got.answer).toEqual(want.answer);
      expect(got.steps).toEqual(want.steps);
      expect(got.calls).toEqual(want.calls);
      expect(got.warnings).toEqual([]); // closed: the end line is there, the chain checks
    }
    console.log(`kill -9 then resume: ${outcomes.filter((o) => o.endsWith('identical')).length}/${TRIALS} identical\n${outcomes.join('\n')}`);
  });
});
