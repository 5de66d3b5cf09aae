/**
 * `rlmtree bench --workers <url>`: the benchmark's RLM runs go through the PostgreSQL queue to a
 * `rlmtree worker` running the bench's scripted policies (`bench:<task>`, `bench:sub`), and come
 * back scored exactly like a local run.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from './helpers/cli.ts';
import { fileCluster } from './helpers/postgres.ts';

const pg = fileCluster('bench-workers');
const missing = pg.missing;

interface Result { instance: string; system: string; score: number; answer: string | null; error: string | null }

describe.skipIf(missing)(`rlmtree bench --workers${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('spreads the RLM runs over a worker and scores them like a local run', async () => {
    const worker = spawn(process.execPath, [BIN, 'worker', '--postgres', pg.cluster().url, '--model', 'bench:oolong', '--sub-model', 'bench:sub', '--quiet'], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    try {
      const args = ['bench', 'oolong', '--model', 'scripted', '--sizes', '2^12', '--n', '2', '--seed', '3', '--no-traces'];
      const remote = await runCli([...args, '--workers', pg.cluster().url, '--out', join(pg.dir(), 'remote')]);
      expect(remote.code, remote.stderr).toBe(0);
      expect(remote.stderr).toContain('bench: submitting the RLM runs to the workers of 127.0.0.1:');
      const local = await runCli([...args, '--out', join(pg.dir(), 'local')]);
      expect(local.code, local.stderr).toBe(0);
      const read = (d: string) => (JSON.parse(readFileSync(join(pg.dir(), d, 'results.json'), 'utf8')).results as Result[]).map((r) => [r.instance, r.system, r.score, r.answer, r.error]);
      expect(read('remote')).toEqual(read('local'));
      expect(read('remote').map((r) => r[2])).toEqual([1, 1]);
      const status = await runCli(['status', '--postgres', pg.cluster().url]);
      expect(status.stdout).toMatch(/^queued 0, running 0, finished 2\n/);
    } finally {
      worker.kill('SIGTERM');
      await exited;
    }
  }, 240_000);
});
