/**
 * Issue 19's drill, CI size: 20 scripted runs (a root and two children each, real subprocess REPLs)
 * over 2 `rlmtree worker` processes, one SIGKILLed and restarted every ~2.5 s (twice). Every run
 * finishes with the single-process answer, no step or model turn is stored twice, and the model
 * calls made are the single-process count plus only calls lost with a killed worker.
 * The 200-run, 4-worker version: `node bench/distributed.bench.ts --drill`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { RunQueue } from '@rlmtree/postgres';
import { Fleet, TREE_POLICY, auditCalls, auditRecord, referenceRun, treeTasks } from '@rlmtree/postgres/testing';
import { BIN } from './helpers/cli.ts';
import { fileCluster } from './helpers/postgres.ts';

const pg = fileCluster('kill');
const missing = pg.missing;
const RUNS = 20;
const WORKERS = 2;
const CONCURRENCY = 2;


describe.skipIf(missing)(`workers killed with SIGKILL${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('finish every run with the single-process answers, no step or model turn twice', async () => {
    const tasks = treeTasks(RUNS);
    const runtime = new SubprocessRuntime();
    const reference = await referenceRun(tasks, runtime).finally(() => runtime.close());
    expect(reference.answers.size).toBe(RUNS);
    // The closed form bench/distributed.bench.ts --formula-reference uses: 2 * sum + 1, 7 calls a run.
    for (const t of tasks) expect(reference.answers.get(t.runId!)).toBe(`${t.query}: ${2 * String(t.context).split(' ').reduce((a, b) => a + Number(b), 0) + 1}`);
    expect(reference.calls).toBe(7 * RUNS);
    console.log(`reference: ${Math.round(reference.ms)} ms`);

    const queue = await RunQueue.open(pg.cluster().url, { schema: 'drill' });
    await queue.submit(tasks);
    const log = join(pg.dir(), 'calls.jsonl');
    const fleet = new Fleet(
      () => ({
        command: process.execPath,
        args: [BIN, 'worker', '--postgres', pg.cluster().url, '--schema', 'drill', '--model', `scripted:${TREE_POLICY}`, '--concurrency', String(CONCURRENCY)],
        env: { ...process.env, RLMTREE_CALL_LOG: log, RLMTREE_POLICY_LATENCY_MS: '150' },
      }),
      pg.dir(),
    );
    const deadline = Date.now() + 150_000;
    try {
      fleet.start(WORKERS);
      await fleet.drill({ everyMs: 2500, maxKills: 2, busy: () => Fleet.busyPids(queue.store), done: async () => (await queue.counts()).finished === RUNS || Date.now() > deadline });
    } finally {
      await fleet.stop();
    }
    console.log(`fleet: ${fleet.kills.map((k) => `kill ${k.pid} at ${k.atMs} ms`).join(', ')}`);
    const runs = await queue.status(tasks.map((t) => t.runId!));
    expect(runs.filter((r) => r.status === 'finished')).toHaveLength(RUNS);
    for (const r of runs) expect(r.result, r.runId).toEqual(reference.answers.get(r.runId));
    expect(fleet.kills).toHaveLength(2);
    // The kills hit runs in hand: some run was continued by another worker.
    expect(runs.some((r) => r.attempts > 1)).toBe(true);

    const record = await auditRecord(queue.store, tasks.map((t) => t.runId!));
    expect(record.problems).toEqual([]);
    expect(record.recordedCalls).toBe(reference.calls);
    const calls = auditCalls(log, fleet.kills);
    expect(calls.unexplained).toEqual([]);
    expect(calls.calls).toBe(reference.calls + calls.repeated);
    // In flight at a kill: at most CONCURRENCY runs x 2 model calls per step (two children).
    expect(calls.maxLostPerKill).toBeLessThanOrEqual(CONCURRENCY * 2);
    await queue.close();
  }, 240_000);
});
