/**
 * Distributed benchmark (issue 19). Needs PostgreSQL installed (scripts/ci/60-postgres.sh); starts
 * a throwaway cluster. Run: `node bench/distributed.bench.ts [--runs 40] [--latency 100]`, and the
 * kill drill `node bench/distributed.bench.ts --drill [--runs 200] [--workers 4] [--kill-every 4000]`.
 *
 * 1. Throughput: the same scripted tasks (a root and two children each, real subprocess REPLs,
 *    each model reply delayed `--latency` ms like a model) run by the single-process engine (2 runs
 *    at once), then by 1, 2 and 4 `rlmtree worker` processes (2 runs at once each) through the
 *    queue. Wall time from submit to the last answer (workers started and ready before).
 * 2. PostgreSQL write rate per step: `appendStep` of a small state, of a state holding a 1 MB
 *    context (its blob already stored: the usual step), and the first write of a 10 MB context.
 * 3. `--drill`: `--runs` runs over `--workers` workers, one SIGKILLed and restarted every
 *    `--kill-every` ms (a worker that has been taking runs for `--min-life` ms at least); checks every answer against the single-process run and audits the stored
 *    events and the model-call log (docs/distributed.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { produce } from 'immer';
import { createRun, type RunEvent } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { PostgresCheckpointStore, RunQueue } from '@rlmtree/postgres';
import { Fleet, TREE_POLICY, auditCalls, auditRecord, referenceRun, startCluster, treeTasks } from '@rlmtree/postgres/testing';

const { values: args } = parseArgs({
  options: {
    drill: { type: 'boolean', default: false },
    runs: { type: 'string' },
    latency: { type: 'string', default: '100' },
    workers: { type: 'string', default: '4' },
    'kill-every': { type: 'string', default: '4000' },
    'min-life': { type: 'string' },
    // The drill's expected answers and call count from the tasks' closed form (2 * sum + 1, 7
    // calls a run) instead of a single-process run; tests/distributed-kill.int.test.ts checks that
    // the single-process engine gives exactly these.
    'formula-reference': { type: 'boolean', default: false },
  },
});
const BIN = join(import.meta.dirname, '../packages/cli/bin/rlmtree.js');
const LATENCY = Number(args.latency);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

const cluster = await startCluster();
// Interrupted: still remove the throwaway cluster.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cluster.destroy().finally(() => process.exit(130)));
const dir = mkdtempSync(join(tmpdir(), 'rlmtree-dist-bench-'));
const runtime = new SubprocessRuntime();
let schemas = 0;

/** Starts `workers` worker processes on a fresh schema, submits the tasks, waits for every answer. */
async function viaWorkers(tasks: ReturnType<typeof treeTasks>, workers: number, options: { killEvery?: number; minLife?: number; callLog?: string } = {}) {
  const schema = `b${++schemas}`;
  const queue = await RunQueue.open(cluster.url, { schema });
  const fleet = new Fleet(
    () => ({
      command: process.execPath,
      args: [BIN, 'worker', '--postgres', cluster.url, '--schema', schema, '--model', `scripted:${TREE_POLICY}`, '--concurrency', '2'],
      env: { ...process.env, RLMTREE_POLICY_LATENCY_MS: String(LATENCY), ...(options.callLog ? { RLMTREE_CALL_LOG: options.callLog } : {}) },
    }),
    dir,
  );
  let ms: number;
  let loadBefore: string;
  let loadAfter: string;
  try {
    fleet.start(workers);
    await fleet.ready('taking runs', 300_000);
    loadBefore = load();
    const t0 = performance.now();
    await queue.submit(tasks);
    const done = async () => (await queue.counts()).finished === tasks.length;
    if (options.killEvery) await fleet.drill({ everyMs: options.killEvery, ...(options.minLife ? { minLifeMs: options.minLife } : {}), busy: () => Fleet.busyPids(queue.store), done });
    else while (!(await done())) await new Promise((r) => setTimeout(r, 100));
    ms = performance.now() - t0;
    loadAfter = load();
  } finally {
    await fleet.stop();
  }
  // Each worker prints its per-step split at shutdown: "per step: X ms stepping, Y ms writing".
  const splits = fleet.pids.flat().flatMap((pid) => {
    const m = /per step: ([\d.]+) ms stepping, ([\d.]+) ms writing/.exec(fleet.log(pid));
    return m ? [[Number(m[1]), Number(m[2])]] : [];
  });
  const avg = (i: number) => (splits.length ? splits.reduce((a, x) => a + x[i]!, 0) / splits.length : NaN);
  return { queue, fleet, ms, loadBefore, loadAfter, split: `${avg(0).toFixed(0)} / ${avg(1).toFixed(0)}` };
}

async function throughput(): Promise<void> {
  const tasks = treeTasks(Number(args.runs ?? 40), 'tp');
  const single = await referenceRun(tasks, runtime, { latencyMs: LATENCY, concurrency: 2 });
  const rows: string[][] = [['single-process engine (2 runs at once)', (single.ms / 1000).toFixed(1), (tasks.length / (single.ms / 1000)).toFixed(2), '1.00', '-', load()]];
  for (const workers of [1, 2, 4]) {
    const r = await viaWorkers(tasks, workers);
    const runs = await r.queue.status(tasks.map((t) => t.runId!));
    const wrong = runs.filter((x) => x.result !== single.answers.get(x.runId)).length;
    if (wrong) throw new Error(`${wrong} runs gave another answer than the single-process engine`);
    rows.push([`${workers} worker${workers > 1 ? 's' : ''} x 2 runs at once`, (r.ms / 1000).toFixed(1), (tasks.length / (r.ms / 1000)).toFixed(2), (single.ms / r.ms).toFixed(2), r.split, `${r.loadBefore} -> ${r.loadAfter}`]);
    await r.queue.close();
  }
  console.log(`\nThroughput: ${tasks.length} runs (root + 2 children, 7 model calls of ${LATENCY} ms, 11 steps each), same answers everywhere`);
  table(['configuration', 'wall s', 'runs/s', 'vs single', 'worker ms/step: engine / write', 'load average (1/5/15 min)'], rows);
}

async function writeRate(): Promise<void> {
  const store = await PostgresCheckpointStore.open(cluster.url, { schema: 'writes', max: 2 });
  const events: RunEvent[] = [{ type: 'step_ended', durationMs: 1 }];
  const rows: string[][] = [];
  for (const [label, chars, steps] of [['small state (1 KB context)', 1_000, 300], ['1 MB context (blob stored once)', 1_000_000, 200], ['10 MB context', 10_000_000, 20]] as const) {
    const base = createRun('q', 'x'.repeat(chars - 1) + 'y', { runId: `w-${chars}` });
    const first = performance.now();
    await store.appendStep(base, []);
    const firstMs = performance.now() - first;
    const t0 = performance.now();
    for (let step = 1; step <= steps; step++) {
      await store.appendStep(produce(base, (d) => {
        d.step = step;
        d.nodes.root!.messages.push({ role: 'assistant', content: `reply ${step}` });
      }), events);
    }
    const per = (performance.now() - t0) / steps;
    const { rows: size } = await store.pool.query<{ bytes: number }>(`SELECT avg(octet_length(doc) + coalesce(octet_length(events), 0))::int AS bytes FROM writes.checkpoints WHERE run_id = $1 AND step > 0`, [base.runId]);
    rows.push([label, firstMs.toFixed(1), per.toFixed(2), (1000 / per).toFixed(0), String(size[0]!.bytes), load()]);
  }
  await store.close();
  console.log('\nPostgreSQL write per step (appendStep: one transaction, advisory lock, chain check; fsync off in this throwaway cluster)');
  table(['state', 'first write ms', 'ms per step', 'steps/s (one writer)', 'row bytes', 'load average'], rows);
}

async function drill(): Promise<void> {
  const n = Number(args.runs ?? 200);
  const workers = Number(args.workers);
  const tasks = treeTasks(n, 'drill');
  const reference = args['formula-reference'] ? formulaReference(tasks) : await referenceRun(tasks, runtime, { concurrency: 4 });
  const log = join(dir, 'drill-calls.jsonl');
  const r = await viaWorkers(tasks, workers, { killEvery: Number(args['kill-every']), ...(args['min-life'] ? { minLife: Number(args['min-life']) } : {}), callLog: log });
  const runs = await r.queue.status(tasks.map((t) => t.runId!));
  const finished = runs.filter((x) => x.status === 'finished').length;
  const wrong = runs.filter((x) => x.result !== reference.answers.get(x.runId));
  const record = await auditRecord(r.queue.store, tasks.map((t) => t.runId!));
  const calls = auditCalls(log, r.fleet.kills);
  console.log(`\nKill drill: ${n} runs, ${workers} workers (2 runs at once each), SIGKILL every ~${args['kill-every']} ms of a worker holding runs and taking runs for >= ${args['min-life'] ?? args['kill-every']} ms`);
  table(
    ['measure', 'value'],
    [
      ['wall s', (r.ms / 1000).toFixed(1)],
      ['SIGKILLs', String(r.fleet.kills.length)],
      ['runs finished / submitted', `${finished} / ${n}`],
      ['runs with another answer than single-process', String(wrong.length)],
      ['runs continued by another worker (attempts > 1)', String(runs.filter((x) => x.attempts > 1).length)],
      ['stored-record problems (step gaps/repeats, a model turn twice)', String(record.problems.length)],
      ['model replies recorded / single-process calls', `${record.recordedCalls} / ${reference.calls}`],
      ['model calls made', String(calls.calls)],
      ['  of which repeated (lost with a killed worker)', String(calls.repeated)],
      ['  repeated with no kill to explain them', String(calls.unexplained.length)],
      ['most calls lost with one kill (bound: 2 runs x 2 calls)', String(calls.maxLostPerKill)],
      ['calls made = single-process + repeated', String(calls.calls === reference.calls + calls.repeated)],
      ['load average before -> after', `${r.loadBefore} -> ${r.loadAfter}`],
    ],
  );
  for (const p of [...record.problems, ...calls.unexplained].slice(0, 10)) console.log(`  problem: ${p}`);
  await r.queue.close();
  const ok = finished === n && wrong.length === 0 && record.problems.length === 0 && calls.unexplained.length === 0 && calls.calls === reference.calls + calls.repeated;
  console.log(ok ? 'drill: OK' : 'drill: FAILED');
  if (!ok) process.exitCode = 1;
}

/** What the single-process engine gives for the tree tasks, from their closed form. */
function formulaReference(tasks: ReturnType<typeof treeTasks>) {
  const answers = new Map(tasks.map((t) => [t.runId!, `${t.query}: ${2 * String(t.context).split(' ').reduce((a, b) => a + Number(b), 0) + 1}`] as [string, unknown]));
  return { answers, calls: 7 * tasks.length, ms: 0 };
}

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
}

try {
  console.log(`load average at start: ${load()} (the machine may be shared: compare ratios, not seconds)`);
  if (args.drill) await drill();
  else {
    await writeRate();
    await throughput();
  }
} finally {
  await runtime.close();
  await cluster.destroy();
  rmSync(dir, { recursive: true, force: true });
}
