/**
 * `rlmtree serve --postgres <url>`: the HTTP front submits each request to the PostgreSQL queue and
 * a separate `rlmtree worker` runs the tree; the client gets the answer and the tree's usage. The
 * front needs no model; modes that need the tree in-process are refused in one line.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RunQueue } from '@rlmtree/postgres';
import { TREE_POLICY } from '@rlmtree/postgres/testing';
import { BIN, ROOT, runCli } from './helpers/cli.ts';
import { startServeProcess } from './helpers/serve.ts';
import { fileCluster } from './helpers/postgres.ts';

const pg = fileCluster('serve-postgres');
const missing = pg.missing;

describe.skipIf(missing)(`rlmtree serve --postgres${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('answers a chat completion with a tree run by a worker, recorded in PostgreSQL', async () => {
    const worker = spawn(process.execPath, [BIN, 'worker', '--postgres', pg.cluster().url, '--model', `scripted:${TREE_POLICY}`, '--quiet'], {
      cwd: ROOT,
      stdio: 'ignore',
      env: { ...process.env, RLMTREE_POLICY_LATENCY_MS: '0' },
    });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    const serve = await startServeProcess(['--postgres', pg.cluster().url]);
    try {
      const res = await fetch(`${serve.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'rlmtree', messages: [{ role: 'system', content: '4 5 6' }, { role: 'user', content: 'task 5' }] }),
      });
      const body = (await res.json()) as { id: string; choices: { message: { content: string } }[]; usage: { llm_calls: number } };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.choices[0]!.message.content).toBe('task 5: 31');
      expect(body.usage.llm_calls).toBe(7);
      const queue = await RunQueue.open(pg.cluster().url);
      const [run] = await queue.status([body.id]);
      expect([run?.status, run?.result]).toEqual(['finished', 'task 5: 31']);
      await queue.close();
    } finally {
      await serve.stop();
      worker.kill('SIGTERM');
      await exited;
    }
  }, 180_000);

  it('refuses options that need the tree in this process', async () => {
    const r = await runCli(['serve', '--postgres', pg.cluster().url, '--sessions']);
    expect([r.code, r.stderr]).toEqual([1, 'rlmtree: serve: --sessions does not go with --postgres (the workers run the trees: give models to rlmtree worker; the steps are in PostgreSQL)\n']);
    const none = await runCli(['serve']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--model');
  }, 180_000);
});
