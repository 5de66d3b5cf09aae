/**
 * Pyodide runtime benchmark. Run: `node bench/pyodide.bench.ts` (no Python needed for Pyodide;
 * the subprocess reference needs python3).
 *
 * 1. REPL start: wall time from `open()` to the end of a first trivial cell, with the pool off so
 *    every start is paid, median of STARTS starts after the runtime's first one (which, for
 *    Pyodide, also makes the runtime's snapshot), for the subprocess runtime (fork server, the
 *    default), Pyodide from its snapshot (the default) and Pyodide loaded afresh.
 * 2. Round trip of a trivial cell (`x = 1`): p50/p99 over CELLS cells after WARMUP warm-up cells.
 * All measured in the same run, with the load average beside them (the machine may be shared).
 */
import { cpus, loadavg } from 'node:os';
import type { Runtime } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { PyodideRuntime } from '@rlmtree/runtime-pyodide';
import { cellRoundTrips, percentile, type Stats } from './lib/cells.ts';

const STARTS = 5;
const CELLS = 300;
const WARMUP = 30;
const host = async () => ({ ok: false as const, error: 'no host calls here' });

/** The first start (ms) and the median of the next STARTS. */
async function starts(runtime: Runtime): Promise<{ first: number; median: number }> {
  const times: number[] = [];
  for (let i = 0; i <= STARTS; i++) {
    const t0 = performance.now();
    const repl = await runtime.open({ agentId: `a${i}`, context: '', tools: [], maxOutputChars: 1000 });
    const r = await repl.execute('x = 1', host, { cell: 0, timeoutMs: 120_000 });
    if (r.status !== 'ok') throw new Error(`start ${i}: ${r.status} ${r.message ?? ''}`);
    times.push(performance.now() - t0);
    await repl.close();
  }
  const rest = times.slice(1).sort((a, b) => a - b);
  return { first: times[0]!, median: percentile(rest, 50) };
}

type Row = { label: string; first: number; median: number; cells: Stats };
const configs: { label: string; make: () => Runtime }[] = [
  { label: 'subprocess (fork server; reference)', make: () => new SubprocessRuntime({ poolSize: 0 }) },
  { label: 'pyodide, from snapshot (default)', make: () => new PyodideRuntime({ poolSize: 0 }) },
  { label: 'pyodide, loaded afresh', make: () => new PyodideRuntime({ poolSize: 0, snapshot: false }) },
];

const before = loadavg();
const rows: Row[] = [];
for (const c of configs) {
  const runtime = c.make();
  const s = await starts(runtime);
  const cells = (await cellRoundTrips(runtime, WARMUP, CELLS)).stats;
  await runtime.close();
  rows.push({ label: c.label, ...s, cells });
  console.error(`done: ${c.label}`);
}
const after = loadavg();

const base = rows[0]!;
const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 0);
console.log(`\nREPL start (open + first cell, pool off; median of ${STARTS} after the first) and trivial-cell round trip (${CELLS} cells)`);
console.log(`load average (1, 5, 15 min): before ${before.map((l) => l.toFixed(1)).join(', ')}; after ${after.map((l) => l.toFixed(1)).join(', ')}; ${cpus().length} cores\n`);
console.log('| runtime | first start ms | start ms | vs subprocess | cell p50 ms | cell p99 ms | p50 vs subprocess |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.label} | ${fmt(r.first)} | ${fmt(r.median)} | ${(r.median / base.median).toFixed(1)}x | ${fmt(r.cells.p50)} | ${fmt(r.cells.p99)} | ${(r.cells.p50 / base.cells.p50).toFixed(1)}x |`);
}

