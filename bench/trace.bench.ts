/**
 * Trace benchmark (issues 3 and 18). Run: `node --conditions=@rlmtree/source bench/trace.bench.ts`
 * (about a minute, ~2 GB of RAM); `... --replay [--baseline DIR]` runs only issue 18's replay
 * target (below; DIR: another checkout with its core built, replayed interleaved with this one).
 *
 * A run over a 100 MB context (tinyshakespeare repeated) takes 1,000 steps: the root agent gets
 * 500 model replies (ScriptedLLM, instant) and runs 500 cells on the in-memory FakeRuntime, so
 * the engine loop is cheap and what is measured is the trace machinery. Same run, same process:
 * 1. without a trace (baseline), 2. with a trace (append + flush per step), 3. with fsync per
 * step; then reading + replaying the trace, and the heap held by all 1,001 replayed states.
 * Targets: trace size ~ context + events (not steps x context); replay of every state far
 * faster than the run; all states in an array far below steps x state size (structural sharing).
 *
 * Issue 18 (`--replay`, also run first by default): the synthetic 500 agents x 2,027 steps run
 * (bench/viewer/synthetic-run.ts) written as a trace, then read and replayed: replay <= 0.3 s,
 * beside the read, `rlmtree replay --step 1` on the file, and bare node, in the same run.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Engine, readTrace, replay, ScriptedLLM, serializeState, TraceWriter, type RunState } from '@rlmtree/core';
import { FakeRuntime } from '@rlmtree/core/testing';
import { replayTarget } from './lib/replay-target.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const baselineAt = process.argv.indexOf('--baseline');
await replayTarget(baselineAt === -1 ? undefined : process.argv[baselineAt + 1]);
if (process.argv.includes('--replay')) process.exit(0);

const STEPS = 1000;
const CONTEXT_MB = 100;
const block = (code: string) => '```repl\n' + code + '\n```';

const corpus = readFileSync(join(import.meta.dirname, '../examples/data/tinyshakespeare.txt'), 'utf8');
const context = corpus.repeat(Math.ceil((CONTEXT_MB * 1e6) / corpus.length)).slice(0, CONTEXT_MB * 1e6);
const dir = mkdtempSync(join(tmpdir(), 'rlmtree-trace-bench-'));

/** One run of STEPS steps; `onStep` sees each step (the trace writer, or nothing). */
async function run(record?: (result: Awaited<ReturnType<Engine['stepWithEvents']>>, from: RunState) => void) {
  const llm = new ScriptedLLM((_req, { turn }) => (turn < STEPS / 2 - 1 ? block(`A ${turn}`) : block('DONE 1')));
  const engine = new Engine({ llm, runtime: new FakeRuntime() });
  let state = engine.init('Count the speeches.', context, { runId: 'bench', limits: { maxIterations: STEPS } });
  const initial = state;
  const recordMs: number[] = [];
  const t0 = performance.now();
  while (state.nodes.root!.status !== 'FINISHED') {
    const result = await engine.stepWithEvents(state);
    if (record) {
      const r0 = performance.now();
      record(result, state);
      recordMs.push(performance.now() - r0);
    }
    state = result.state;
  }
  const totalMs = performance.now() - t0;
  await engine.close();
  if (state.step !== STEPS) throw new Error(`the run took ${state.step} steps, expected ${STEPS}`);
  return { initial, final: state, totalMs, recordMs };
}

function traced(fsync: boolean) {
  const path = join(dir, fsync ? 'fsync.jsonl' : 'run.jsonl');
  let writer: TraceWriter | undefined;
  return {
    path,
    record: (result: Parameters<TraceWriter['record']>[0], from: RunState) => {
      writer ??= TraceWriter.create(path, from, { fsync });
      writer.record(result, from);
    },
    close: () => writer?.close(),
  };
}

/** Cost of recording: the first step (header + the context blob) and the steady state after it. */
function writeCost(samples: number[]) {
  const rest = samples.slice(1).sort((a, b) => a - b);
  const pct = (p: number) => rest[Math.min(rest.length - 1, Math.floor(p * rest.length))]!;
  return { first: samples[0]!, p50: pct(0.5), p99: pct(0.99), mean: rest.reduce((a, b) => a + b, 0) / rest.length };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (x: number) => `${x.toFixed(3)} ms`;

const base = await run();
const t = traced(false);
const withTrace = await run(t.record);
t.close();
const f = traced(true);
const withFsync = await run(f.record);
f.close();

const wc = writeCost(withTrace.recordMs);
const fc = writeCost(withFsync.recordMs);
const traceBytes = statSync(t.path).size;
const contextBytes = Buffer.byteLength(context, 'utf8');
const lines = readFileSync(t.path, 'utf8').split('\n');
const blobBytes = lines.filter((l) => l.startsWith('{"kind":"blob"')).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
const stepBytes = lines.filter((l) => l.startsWith('{"kind":"step"')).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
lines.length = 0;

// Replay: read + check + fold every step, no model, no runtime.
gc();
const r0 = performance.now();
const trace = await readTrace(t.path);
const readMs = performance.now() - r0;
gc();
const heapBefore = process.memoryUsage().heapUsed;
const f0 = performance.now();
const states = replay(trace);
const foldMs = performance.now() - f0;
gc();
const heapStates = process.memoryUsage().heapUsed - heapBefore;
if (!isDeepStrictEqual(states.at(-1), withTrace.final)) throw new Error('replay did not reproduce the final state');
// What one state weighs without its context, and the naive cost of keeping full copies.
const stateNoContext = Buffer.byteLength(serializeState({ ...withTrace.final, nodes: { root: { ...withTrace.final.nodes.root!, context: '' } } }));
const naiveCopies = states.length * (contextBytes + stateNoContext);

const rows: [string, string, string, string][] = [
  ['context', mb(contextBytes), '', ''],
  ['trace file size', mb(traceBytes), `context ${mb(contextBytes)}`, `${(traceBytes / contextBytes).toFixed(3)}x`],
  ['  of which blobs (context once)', mb(blobBytes), '', ''],
  ['  of which step lines (events)', mb(stepBytes), `steps x context ${mb(STEPS * contextBytes)}`, `${(traceBytes / (STEPS * contextBytes)).toExponential(2)}x`],
  ['run, no trace (per step)', ms(base.totalMs / STEPS), '', '1.00x'],
  ['run, with trace (per step)', ms(withTrace.totalMs / STEPS), 'no trace', `${(withTrace.totalMs / base.totalMs).toFixed(2)}x`],
  ['  write, first step (header + context blob)', ms(wc.first), '', ''],
  ['  write per step after it, p50 / p99', `${ms(wc.p50)} / ${ms(wc.p99)}`, `step, no trace ${ms(base.totalMs / STEPS)}`, `${(wc.p50 / (base.totalMs / STEPS)).toFixed(2)}x`],
  ['run, trace + fdatasync (per step)', ms(withFsync.totalMs / STEPS), 'no trace', `${(withFsync.totalMs / base.totalMs).toFixed(2)}x`],
  ['  write per step incl. fdatasync, p50 / p99', `${ms(fc.p50)} / ${ms(fc.p99)}`, '', ''],
  ['read + check trace', ms(readMs), '', ''],
  [`replay ${STEPS} steps (fold events)`, ms(foldMs), `the run ${ms(withTrace.totalMs)}`, `${(foldMs / withTrace.totalMs).toFixed(3)}x`],
  [`heap of all ${states.length} states`, mb(heapStates), `naive copies ${mb(naiveCopies)}`, `${(heapStates / naiveCopies).toExponential(2)}x`],
  ['  vs copies without the context', mb(heapStates), `${states.length} x ${mb(stateNoContext)} = ${mb(states.length * stateNoContext)}`, `${(heapStates / (states.length * stateNoContext)).toFixed(3)}x`],
];
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['metric', 'value', 'baseline (same run)', 'ratio'][i]!.length));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(`\ntrace benchmark: ${CONTEXT_MB} MB context, ${STEPS} steps, ScriptedLLM + in-memory runtime, Node ${process.version}\n`);
console.log(line(['metric', 'value', 'baseline (same run)', 'ratio']));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
rmSync(dir, { recursive: true, force: true });
