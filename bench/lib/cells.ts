/** What the runtime benchmarks share: percentiles and the trivial-cell round trip. */
import type { Runtime } from '@rlmtree/core';

/** p50 and p99 of a sample (ms). */
export type Stats = { p50: number; p99: number };

/** Nearest-rank percentile of an ascending sample. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The median of a sample, unsorted (for an even count, the upper of the two middle values). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}

/** p50 and p99 of unsorted times. */
export function stats(times: readonly number[]): Stats {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/**
 * Runs `x = 1` in a fresh REPL of `runtime` `warmup + cells` times and returns the stats of the
 * last `cells` round trips (ms).
 * @throws Error when a cell does not end `ok`.
 */
export async function cellRoundTrips(runtime: Runtime, warmup: number, cells: number): Promise<{ stats: Stats; times: number[] }> {
  const repl = await runtime.open({ agentId: 'root', context: '', tools: [], maxOutputChars: 1000 });
  const host = async () => ({ ok: false as const, error: 'no host calls here' });
  const times: number[] = [];
  for (let i = 0; i < warmup + cells; i++) {
    const t0 = performance.now();
    const r = await repl.execute('x = 1', host, { cell: i, timeoutMs: 30_000 });
    if (r.status !== 'ok') throw new Error(`cell ${i}: ${r.status} ${r.message ?? ''}`);
    if (i >= warmup) times.push(performance.now() - t0);
  }
  await repl.close();
  return { stats: stats(times), times };
}
