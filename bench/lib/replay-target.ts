/**
 * Issue 18's replay target (`bench/trace.bench.ts --replay`): the synthetic run of 500 agents and
 * about 2,000 steps (bench/viewer/synthetic-run.ts, folded by the real reducer) written as a
 * trace file, then read back and replayed, each 5 times (min and median), each sample from a
 * collected heap (as in a fresh `rlmtree replay` process), and each replay once more right after
 * it, with its states still held. The replay must give the run's final state again, and take
 * <= 0.3 s. Beside it, in the same run: the read, and the CLI (`rlmtree replay FILE --step 1`, a
 * fresh process) against bare node.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readTrace, replay, TraceWriter } from '@rlmtree/core';
import { syntheticRun } from '../viewer/synthetic-run.ts';
import { median } from './cells.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function timed<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

/** Prints the table of the file comment. @throws Error when the replay differs from the run. */
export async function replayTarget(): Promise<void> {
  const before = loadavg().map((l) => l.toFixed(2)).join(' / ');
  const dir = mkdtempSync(join(tmpdir(), 'rlmtree-replay-bench-'));
  try {
    const run = syntheticRun({ agents: 500, steps: 2000 });
    const path = join(dir, 'run-500.jsonl');
    const writer = TraceWriter.create(path, run.states[0]!);
    run.events.forEach((events, i) => writer.record({ state: run.states[i + 1]!, events }, run.states[i]!));
    writer.close();
    const steps = run.events.length;
    const reads: number[] = [];
    const folds: number[] = [];
    const backToBack: number[] = [];
    for (let i = 0; i < 5; i++) {
      // Each sample starts from a collected heap, as `rlmtree replay` in its own process does: the
      // states of the sample before are garbage by then, and collecting them is not this replay's work.
      gc();
      const read = await (async () => {
        const t0 = performance.now();
        const trace = await readTrace(path);
        return { ms: performance.now() - t0, trace };
      })();
      reads.push(read.ms);
      gc();
      const fold = timed(() => replay(read.trace));
      folds.push(fold.ms);
      if (i === 0 && !isDeepStrictEqual(fold.value.at(-1), run.states.at(-1))) throw new Error('replay did not give the run’s final state');
      // The same replay again at once, the states of the one before still held (no collection between).
      backToBack.push(timed(() => replay(read.trace)).ms);
    }
    const bin = join(import.meta.dirname, '../../packages/cli/bin/rlmtree.js');
    const wall = (args: string[]) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`node ${args.join(' ')}: exit ${r.status}: ${r.stderr.slice(-300)}`);
      return performance.now() - t0;
    };
    const cli: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 3; i++) {
      cli.push(wall([bin, 'replay', path, '--step', '1']));
      bare.push(wall(['-e', '0']));
    }
    const fold = Math.min(...folds);
    const rows = [
      ['trace file', `${(statSync(path).size / 1e6).toFixed(2)} MB, 500 agents, ${steps} steps`, '', ''],
      ['read + check the trace (readTrace)', `${Math.min(...reads).toFixed(0)} ms (median ${median(reads).toFixed(0)})`, '', ''],
      ['replay every step (replay), from a collected heap', `${fold.toFixed(0)} ms (median ${median(folds).toFixed(0)})`, `<= 300 ms: min ${fold <= 300 ? 'met' : 'NOT met'}, median ${median(folds) <= 300 ? 'met' : 'NOT met'}`, `${((fold * 1000) / steps).toFixed(1)} µs / step`],
      ['  the same, right after another replay (its states still held)', `${Math.min(...backToBack).toFixed(0)} ms (median ${median(backToBack).toFixed(0)})`, '', `${(median(backToBack) / median(folds)).toFixed(2)}x the median above`],
      ['rlmtree replay FILE --step 1 (wall, fresh process)', `${Math.min(...cli).toFixed(0)} ms`, `bare node ${Math.min(...bare).toFixed(0)} ms`, `${(Math.min(...cli) / Math.min(...bare)).toFixed(2)}x`],
    ];
    const after = loadavg().map((l) => l.toFixed(2)).join(' / ');
    console.log(`\nIssue 18: replay of the synthetic 500-agent trace. Load average before ${before}, after ${after}; Node ${process.version}\n`);
    console.log('| measure | value | target / baseline | ratio |');
    console.log('|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
