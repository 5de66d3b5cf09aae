/**
 * `rlmtree submit / status / result / worker` against a real PostgreSQL (a throwaway cluster):
 * the answers of runs advanced by a worker process, one-line errors for an unreachable server and a
 * schema of another version, a database that goes away mid-run (the worker waits and goes on,
 * nothing lost or repeated), and graceful shutdown (runs handed back at a step boundary, continued
 * by the next worker with no model call made twice).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RunQueue, SCHEMA_VERSION } from '@rlmtree/postgres';
import { TREE_POLICY, auditCalls, auditRecord, treeTasks } from '@rlmtree/postgres/testing';
import { BIN, ROOT, runCli } from './helpers/cli.ts';
import { fileCluster } from './helpers/postgres.ts';

const db = fileCluster('dist-cli');
const missing = db.missing;

/** A `rlmtree worker` process on `schema`; its stderr is collected in `log()`. */
function worker(schema: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; log: () => string; exited: Promise<number> } {
  const child = spawn(process.execPath, [BIN, 'worker', '--postgres', db.cluster().url, '--schema', schema, '--model', `scripted:${TREE_POLICY}`], {
    cwd: ROOT,
    env: { ...process.env, RLMTREE_POLICY_LATENCY_MS: '100', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 137)));
  return { child, log: () => text, exited };
}

/** Polls `fn` every 100 ms until it holds; fails after `ms`. */
async function until(what: string, fn: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(missing)(`rlmtree submit/status/result/worker on PostgreSQL${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('submits a JSONL file of tasks and one run; a worker answers them; status and result show it', async () => {
    const pg = ['--postgres', db.cluster().url, '--schema', 'cli'];
    const tasks = join(db.dir(), 'tasks.jsonl');
    writeFileSync(tasks, treeTasks(2, 'cli').map((t) => JSON.stringify({ runId: t.runId, query: t.query, context: t.context })).join('\n') + '\n');
    const ctx = join(db.dir(), 'ctx.txt');
    writeFileSync(ctx, '1 2 3 4');
    const many = await runCli(['submit', '--tasks', tasks, ...pg]);
    expect(many.stderr).toContain('submitted 2 runs');
    expect(many.stdout).toBe('cli-0\ncli-1\n');
    const one = await runCli(['submit', 'task 77', '--context', ctx, '--run-id', 'single', ...pg]);
    expect(one.stdout).toBe('single\n');
    const again = await runCli(['submit', 'task 77', '--context', ctx, '--run-id', 'single', ...pg]);
    expect([again.code, again.stderr.trim()]).toEqual([1, 'rlmtree: submit: run "single" was already submitted']);
    const early = await runCli(['result', 'single', ...pg]);
    expect(early.code).toBe(4);
    expect(early.stderr).toContain('run single is queued (step 0)');

    const w = worker('cli');
    try {
      const got = await runCli(['result', 'single', '--wait', '--timeout', '90', ...pg]);
      expect([got.code, got.stdout]).toEqual([0, 'task 77: 21\n']);
      const ref = treeTasks(2, 'cli').map((t) => `${t.query}: ${2 * t.context.toString().split(' ').reduce((a, b) => a + Number(b), 0) + 1}`);
      for (const [i, id] of ['cli-0', 'cli-1'].entries()) expect((await runCli(['result', id, '--wait', '--timeout', '90', ...pg])).stdout).toBe(`${ref[i]}\n`);
      const status = await runCli(['status', ...pg]);
      expect(status.stdout).toMatch(/^queued 0, running 0, finished 3\n/);
      expect(status.stdout).toMatch(/single {2}finished {2}step 11 {2}attempts 1 {2}\S+ {2}"task 77: 21"/);
      const unknown = await runCli(['status', 'nope', ...pg]);
      expect([unknown.code, unknown.stderr]).toEqual([1, 'rlmtree: no run "nope" was submitted\n']);
    } finally {
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
    }
    expect(w.log()).toMatch(/stopped; \d+ steps written, 3 runs finished, 0 handed back/);
  }, 180_000);

  it('names an unreachable server and a schema of another version in one line', async () => {
    const dead = db.cluster().url.replace(/:\d+\//, ':1/');
    for (const args of [['status'], ['worker', '--model', `scripted:${TREE_POLICY}`]]) {
      const r = await runCli([...args, '--postgres', dead]);
      expect([r.code, r.stderr]).toEqual([1, 'rlmtree: cannot reach PostgreSQL at 127.0.0.1:1/postgres (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:1\n']);
    }
    const q = await RunQueue.open(db.cluster().url, { schema: 'future' });
    await q.store.pool.query(`UPDATE future.meta SET value = '${SCHEMA_VERSION + 1}' WHERE key = 'schema_version'`);
    await q.close();
    const r = await runCli(['status', '--postgres', db.cluster().url, '--schema', 'future']);
    expect([r.code, r.stderr]).toEqual([1, `rlmtree: postgres schema "future" is at rlmtree schema version ${SCHEMA_VERSION + 1}, this @rlmtree/postgres uses version ${SCHEMA_VERSION}: it was written by a newer release; upgrade @rlmtree/postgres (or use another --schema)\n`]);
    const none = await runCli(['status'], { env: { ...process.env, RLMTREE_POSTGRES_URL: '' } });
    expect([none.code, none.stderr]).toEqual([1, 'rlmtree: no PostgreSQL given: pass --postgres <url> or set RLMTREE_POSTGRES_URL\n']);
  }, 120_000);

  it('a worker waits out a database that goes away mid-run and finishes every run, no step twice', async () => {
    const queue = await RunQueue.open(db.cluster().url, { schema: 'outage' });
    const tasks = treeTasks(3, 'out');
    await queue.submit(tasks);
    const w = worker('outage', { RLMTREE_POLICY_LATENCY_MS: '300' });
    try {
      await until('a step written', async () => (await queue.status(['out-0']))[0]!.step >= 2, 90_000);
      await db.cluster().stop();
      await new Promise((r) => setTimeout(r, 3000));
      await db.cluster().startServer();
      await until('every run finished', async () => (await queue.counts().catch(() => ({ finished: 0 }))).finished === 3, 90_000);
    } catch (err) {
      console.log(w.log());
      throw err;
    } finally {
      w.child.kill('SIGTERM');
      await w.exited;
    }
    expect(w.log()).toContain('postgres unreachable');
    const runs = await queue.status(tasks.map((t) => t.runId!));
    expect(runs.map((r) => [r.result, r.attempts])).toEqual(tasks.map((t) => [`${t.query}: ${2 * String(t.context).split(' ').reduce((a, b) => a + Number(b), 0) + 1}`, 1]));
    const record = await auditRecord(queue.store, tasks.map((t) => t.runId!));
    expect(record.problems).toEqual([]);
    expect(record.recordedCalls).toBe(3 * 7);
    await queue.close();
  }, 240_000);

  it('graceful shutdown hands runs back at a step boundary; the next worker continues with no model call twice', async () => {
    const queue = await RunQueue.open(db.cluster().url, { schema: 'graceful' });
    const tasks = treeTasks(2, 'gr');
    await queue.submit(tasks);
    const log = join(db.dir(), 'graceful-calls.jsonl');
    const a = worker('graceful', { RLMTREE_CALL_LOG: log });
    await until('both runs in hand', async () => (await queue.status(tasks.map((t) => t.runId!))).every((r) => r.step >= 2), 90_000);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(a.log()).toMatch(/handed back at step \d+: the worker is shutting down/);
    expect(a.log()).toMatch(/stopped; \d+ steps written, 0 runs finished, 2 handed back/);
    const b = worker('graceful', { RLMTREE_CALL_LOG: log });
    try {
      await until('every run finished', async () => (await queue.counts()).finished === 2, 90_000);
    } finally {
      b.child.kill('SIGTERM');
      await b.exited;
    }
    const runs = await queue.status(tasks.map((t) => t.runId!));
    expect(runs.map((r) => r.attempts)).toEqual([2, 2]);
    const calls = auditCalls(log, []);
    expect([calls.calls, calls.repeated]).toEqual([2 * 7, 0]);
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toHaveLength(14);
    await queue.close();
  }, 240_000);
});
