/**
 * Issue 18's replay target (`bench/trace.bench.ts --replay [--baseline DIR]`): the synthetic run of
 * 500 agents and about 2,000 steps (bench/viewer/synthetic-run.ts, folded by the real reducer)
 * written as a trace file, then read back and replayed, each 5 times (min and median), each sample
 * from a collected heap (as in a fresh `rlmtree replay` process), and each replay once more right
 * after it, with its states still held. The replay must give the run's final state again, and take
 * <= 0.3 s. Beside it, in the same run: the read, the CPU time (user + system, all threads: V8's GC
 * helpers included) of the replay, and the CLI (`rlmtree replay FILE --step 1`, a fresh process)
 * against bare node.
 *
 * With `--baseline DIR` (another checkout with its core built: `node scripts/build.ts @rlmtree/core`
 * there), the same file is read and replayed by that checkout's built core too, sample by sample
 * interleaved with this one's (the order swapped every sample), and its rows and the ratios are
 * printed: before/after in the same run. Both then share one process (two copies of the reducer,
 * one heap), which made both replays slower here (min 292 against 167 ms at load 5-8): take the
 * ratios from such a run, and the target row from a run without `--baseline`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as core from '@rlmtree/core';
import { syntheticRun } from '../viewer/synthetic-run.ts';
import { median } from './cells.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** What a sample needs of a core build: this checkout's, or the baseline's. */
type Core = Pick<typeof core, 'readTrace' | 'replay'>;

/** CPU time of this process so far (user + system, every thread), in ms. */
function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/** One sample of one core: read the file, replay it from a collected heap, then again at once. */
async function sample(impl: Core, path: string) {
  gc();
  let t0 = performance.now();
  const trace = await impl.readTrace(path);
  const read = performance.now() - t0;
  // From a collected heap, as `rlmtree replay` in its own process: the states of the sample before
  // are garbage by then, and collecting them is not this replay's work.
  gc();
  const c0 = cpuMs();
  t0 = performance.now();
  const states = impl.replay(trace);
  const fold = performance.now() - t0;
  const cpu = cpuMs() - c0;
  // The same replay again at once, the states of the one before still held (no collection between).
  t0 = performance.now();
  impl.replay(trace);
  const backToBack = performance.now() - t0;
  return { read, fold, cpu, backToBack, last: states.at(-1) };
}

/** `ms` as "min (median m)". */
function minMedian(ms: number[]): string {
  return `${Math.min(...ms).toFixed(0)} ms (median ${median(ms).toFixed(0)})`;
}

/**
 * Prints the table of the file comment.
 * @param baselineDir another checkout whose core is built, or undefined.
 * @throws Error when the replay differs from the run, or the baseline has no built core.
 */
export async function replayTarget(baselineDir?: string): Promise<void> {
  let baseline: Core | undefined;
  if (baselineDir) {
    const dist = join(resolve(baselineDir), 'packages/core/dist/index.js');
    if (!existsSync(dist)) throw new Error(`--baseline ${baselineDir}: no packages/core/dist/index.js there (run node scripts/build.ts @rlmtree/core in it)`);
    baseline = (await import(pathToFileURL(dist).href)) as Core;
  }
  const before = loadavg().map((l) => l.toFixed(2)).join(' / ');
  const dir = mkdtempSync(join(tmpdir(), 'rlmtree-replay-bench-'));
  try {
    const run = syntheticRun({ agents: 500, steps: 2000 });
    const path = join(dir, 'run-500.jsonl');
    const writer = core.TraceWriter.create(path, run.states[0]!);
    run.events.forEach((events, i) => writer.record({ state: run.states[i + 1]!, events }, run.states[i]!));
    writer.close();
    const steps = run.events.length;
    const samples = { ours: [] as Awaited<ReturnType<typeof sample>>[], base: [] as Awaited<ReturnType<typeof sample>>[] };
    for (let i = 0; i < 5; i++) {
      const order: ['ours' | 'base', Core][] = [['ours', core]];
      if (baseline) order[i % 2 ? 'unshift' : 'push'](['base', baseline]);
      for (const [who, impl] of order) {
        const s = await sample(impl, path);
        if (i === 0 && !isDeepStrictEqual(s.last, run.states.at(-1))) throw new Error(`replay (${who === 'ours' ? 'this checkout' : `--baseline ${baselineDir}`}) did not give the run’s final state`);
        s.last = undefined;
        samples[who].push(s);
      }
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
    const of = (who: 'ours' | 'base', key: 'read' | 'fold' | 'cpu' | 'backToBack') => samples[who].map((s) => s[key]);
    const folds = of('ours', 'fold');
    const fold = Math.min(...folds);
    const ratio = (key: 'read' | 'fold' | 'cpu' | 'backToBack') => (baseline ? `${(median(of('ours', key)) / median(of('base', key))).toFixed(2)}x the baseline's median` : '');
    const base = (key: 'read' | 'fold' | 'cpu' | 'backToBack') => (baseline ? `baseline ${minMedian(of('base', key))}` : '');
    const rows = [
      ['trace file', `${(statSync(path).size / 1e6).toFixed(2)} MB, 500 agents, ${steps} steps`, '', ''],
      ['read + check the trace (readTrace)', minMedian(of('ours', 'read')), base('read'), ratio('read')],
      ['**replay every step (replay), from a collected heap**', `**${minMedian(folds)}**`, `<= 300 ms: min ${fold <= 300 ? 'met' : 'NOT met'}, median ${median(folds) <= 300 ? 'met' : 'NOT met'}${baseline ? `; ${base('fold')}` : ''}`, baseline ? ratio('fold') : `${((fold * 1000) / steps).toFixed(1)} µs / step`],
      ['  its CPU time (user + system, all threads)', minMedian(of('ours', 'cpu')), base('cpu'), ratio('cpu')],
      ['  the same, right after another replay (its states still held)', minMedian(of('ours', 'backToBack')), base('backToBack'), baseline ? ratio('backToBack') : `${(median(of('ours', 'backToBack')) / median(folds)).toFixed(2)}x the median above`],
      ['rlmtree replay FILE --step 1 (wall, fresh process)', `${Math.min(...cli).toFixed(0)} ms`, `bare node ${Math.min(...bare).toFixed(0)} ms`, `${(Math.min(...cli) / Math.min(...bare)).toFixed(2)}x`],
    ];
    const after = loadavg().map((l) => l.toFixed(2)).join(' / ');
    const what = process.execArgv.join(' ').includes('@rlmtree/source') || (process.env.NODE_OPTIONS ?? '').includes('@rlmtree/source') ? 'the sources (type-stripped)' : 'the built dist';
    console.log(`\nIssue 18: replay of the synthetic 500-agent trace, ${what} of @rlmtree/core${baseline ? ` against --baseline ${baselineDir} (both in this process: read the ratios; the target, from a run without --baseline)` : ''}. Load average before ${before}, after ${after}; Node ${process.version}\n`);
    console.log('| measure | value | target / baseline | ratio |');
    console.log('|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
