/**
 * Issue 18's engine and start-up targets, measured by `bench/engine.bench.ts --targets` (see its
 * file comment). Every ratio is taken inside this one run; the load average is printed beside.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { produce } from 'immer';
import { Engine, ScriptedLLM, nodeOf, reduceAll, type AgentNode, type RunState } from '@rlmtree/core';
import { FakeRuntime } from '@rlmtree/core/testing';
import { oneAgentStep, wideTree } from './wide-tree.ts';
import { startupRows } from './startup.ts';
import { median } from './cells.ts';

const block = (code: string) => '```repl\n' + code + '\n```';
const REPO = join(import.meta.dirname, '../..');
const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');

/** rlmkit 0.1.1's CPU per agent transition at N = 10, measured in issue 18's table (µs). */
const RLMKIT_N10_US = 415;

/**
 * `--cpu N`, in a fresh process: a root delegates N children on the in-memory runtime, each child
 * three model replies and three cells (ScriptedLLM, instant); prints the run's CPU (user + system,
 * all threads, after imports) and transitions as one JSON line. With `--warm`, the same run is
 * then made again in the same process after an unmeasured 5,000-child run and a full collection
 * (`warmCpuUs`): the difference is what a fresh process pays once (V8 compiling and tiering up
 * the engine's code, the heap growing), which weighs on a small N's per-transition figure.
 */
export async function cpuOne(n: number, warm = false): Promise<void> {
  const once = async (n: number) => {
    const llm = new ScriptedLLM({
      rules: [
        { match: '^Query: child', replies: [block('A'), block('B'), block('DONE 1')] },
        { match: '^Query: ', replies: [block(`DELEGATE ${n}`)] },
      ],
    });
    const engine = new Engine({ llm, runtime: new FakeRuntime(), concurrency: 8, tracer: false });
    let transitions = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const final = await engine.run('root', 'context', {
      limits: { maxDepth: 1 },
      onStep: ({ events }) => {
        transitions += events.filter((e) => e.type !== 'step_ended').length;
      },
    });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    // Read through the table (`final.nodes` would build the 5,001-entry record, which the run never needs).
    if (nodeOf(final, final.rootId)?.status !== 'FINISHED') throw new Error('the run did not finish');
    return { transitions, steps: final.step, cpuUs: cpu.user + cpu.system, wallMs };
  };
  const first = await once(n);
  // The process so far (node's start, the imports, the first run): what a one-off run costs whole.
  const whole = process.cpuUsage();
  let warmCpuUs: number | undefined;
  if (warm) {
    await once(5000);
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
    warmCpuUs = (await once(n)).cpuUs;
  }
  console.log(JSON.stringify({ n, ...first, processCpuUs: whole.user + whole.system, ...(warmCpuUs !== undefined ? { warmCpuUs } : {}) }));
}

/** Fresh processes the N = 10 first-run row takes its min and median over. */
const N10_PROCESSES = 5;

/** What `cpuOne` prints (see there). */
interface CpuRun {
  n: number;
  transitions: number;
  steps: number;
  cpuUs: number;
  processCpuUs: number;
  wallMs: number;
  warmCpuUs: number;
}

/**
 * `bench --cpu n [--warm]` in a fresh process on the built packages: without NODE_OPTIONS
 * (scripts/node22.sh puts `--conditions=@rlmtree/source` there, which would load the sources),
 * run from the bench's own checkout.
 */
function cpuRun(bench: string, n: number, warm: boolean): CpuRun {
  const args = [bench, '--cpu', String(n), ...(warm ? ['--warm'] : [])];
  const out = execFileSync(process.execPath, args, { cwd: join(bench, '../..'), encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, NODE_OPTIONS: '' } });
  return JSON.parse(out.trim().split('\n').at(-1)!) as CpuRun;
}

/**
 * @throws Error when core's dist is missing or older than a source file: the engine rows measure
 *   the built packages, and a stale build would measure other code.
 */
function assertBuiltFresh(): void {
  const dist = join(REPO, 'packages/core/dist/index.js');
  if (!existsSync(dist)) throw new Error('bench --targets measures the built packages: run `npm run build` first');
  const built = statSync(dist).mtimeMs;
  const src = join(REPO, 'packages/core/src');
  const stale = readdirSync(src, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && statSync(join(src, f)).mtimeMs > built);
  if (stale) throw new Error(`packages/core/dist is older than src/${stale}: run \`npm run build\` first`);
}

/** Per-call µs of `fn`, `reps` calls, median of `rounds` (each round after a warm-up round). */
async function perCall(fn: () => unknown, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return ((performance.now() - t0) * 1000) / reps;
}

/** Runs `fns` interleaved `rounds` times and returns each one's median µs per call. */
async function interleaved(fns: (() => unknown)[], reps: number, rounds = 7): Promise<number[]> {
  for (const fn of fns) await perCall(fn, reps); // warm-up
  const samples = fns.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) for (const [i, fn] of fns.entries()) samples[i]!.push(await perCall(fn, reps));
  return samples.map(median);
}

type Row = [what: string, value: string, baseline: string, ratio: string, target: string];

function printTable(title: string, rows: Row[]): void {
  const head: Row = ['measure', 'value', 'baseline (same run)', 'ratio', 'target'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
const us = (x: number) => `${x.toFixed(1)} µs`;

/**
 * Prints issue 18's engine and start-up tables. `bench` is engine.bench.ts (run with `--cpu N`);
 * `installed`: a project with the packed tarballs installed, for the installed-package rows;
 * `baseline`: another checkout with its packages built (`npm run build` there; see bench/lib/startup.ts).
 */
export async function targets(bench: string, installed?: string, baseline?: string): Promise<void> {
  const before = load();
  const rows: Row[] = [];

  // 1. In-memory engine CPU per transition, a fresh process per N, on the built dist (what users
  // run). N = 10 is a first run, dominated by cold code: min and median of N10_PROCESSES processes.
  assertBuiltFresh();
  const firstN10 = Array.from({ length: N10_PROCESSES }, () => cpuRun(bench, 10, false));
  const runs = [cpuRun(bench, 10, true), ...[500, 5000].map((n) => cpuRun(bench, n, true))];
  const n10 = firstN10.map((r) => r.cpuUs / r.transitions).sort((a, b) => a - b);
  const [best, mid] = [n10[0]!, median(n10)];
  rows.push([
    `engine CPU / transition, N = 10, first run (${runs[0]!.transitions} transitions; built dist; min / median of ${N10_PROCESSES} fresh processes)`,
    `${us(best)} / ${us(mid)}`,
    `rlmkit (issue 18) ${RLMKIT_N10_US} µs`,
    `${(best / RLMKIT_N10_US).toFixed(2)}x / ${(mid / RLMKIT_N10_US).toFixed(2)}x`,
    `<= rlmkit ${RLMKIT_N10_US} µs: min ${verdict(best <= RLMKIT_N10_US)}, median ${verdict(mid <= RLMKIT_N10_US)}`,
  ]);
  rows.push([`  the same, whole run's CPU (ms)`, `${((best * runs[0]!.transitions) / 1000).toFixed(1)} / ${((mid * runs[0]!.transitions) / 1000).toFixed(1)} ms`, `rlmkit ${((RLMKIT_N10_US * runs[0]!.transitions) / 1000).toFixed(1)} ms`, '', '']);
  rows.push([`  the same process whole (node start + the bench's imports + first run) / transitions`, us(runs[0]!.processCpuUs / runs[0]!.transitions), '', '', 'for reference']);
  for (const r of runs.slice(1)) {
    const per = r.cpuUs / r.transitions;
    rows.push([`engine CPU / transition, N = ${r.n} (${r.transitions} transitions, ${r.steps} steps; built dist)`, us(per), '', '', r.n === 5000 ? `<= 50 µs: ${verdict(per <= 50)}` : '']);
  }
  // With --baseline: N = 10's first run here and in the other checkout (its dist built), interleaved, min of 5.
  if (baseline) {
    const here: number[] = [];
    const there: number[] = [];
    for (let i = 0; i < 5; i++) {
      const a = cpuRun(bench, 10, false);
      here.push(a.cpuUs / a.transitions);
      const b = cpuRun(join(baseline, 'bench/engine.bench.ts'), 10, false);
      there.push(b.cpuUs / b.transitions);
    }
    const [a, b] = [Math.min(...here), Math.min(...there)];
    rows.push([`  N = 10 first run, min of 5 interleaved with --baseline (both built)`, us(a), `--baseline ${us(b)}`, `${(a / b).toFixed(2)}x`, `<= rlmkit ${RLMKIT_N10_US} µs: ${verdict(a <= RLMKIT_N10_US)}`]);
  }
  // Why a small N costs more per transition: the same run again in that process, after a
  // 5,000-child run (JIT-warm, the heap grown) and a full collection.
  for (const r of runs) {
    const cold = r.cpuUs / r.transitions;
    const warm = r.warmCpuUs / r.transitions;
    rows.push([`  N = ${r.n} again in that process, warm (after a 5,000-child run)`, us(warm), `first run ${us(cold)}`, `${(warm / cold).toFixed(2)}x`, `paid once: ${((r.cpuUs - r.warmCpuUs) / 1000).toFixed(0)} ms`]);
  }

  // 2. One agent's step at 101 and 5,001 agents: the reducer alone, then the whole Engine.step.
  const sizes = [101, 5001];
  const trees = sizes.map((n) => wideTree(n));
  const evs = trees.map((t) => oneAgentStep(t.runnable));
  const reduced = await interleaved(trees.map((t, i) => () => reduceAll(t.state, evs[i]!)), 2000);
  const llm = new ScriptedLLM(() => block('x = 1'));
  const engine = new Engine({ llm, runtime: new FakeRuntime(), tracer: false });
  for (const t of trees) {
    const r = await engine.stepWithEvents(t.state);
    if (r.events.length !== 2 || r.events[0]!.type !== 'llm_replied') throw new Error('the one-agent step did not step one agent');
  }
  const stepped = await interleaved(trees.map((t) => () => engine.stepWithEvents(t.state)), 1000);
  rows.push([`one-agent step at 5,001 agents, reducer`, us(reduced[1]!), `at 101: ${us(reduced[0]!)}`, `${(reduced[1]! / reduced[0]!).toFixed(2)}x`, `<= 2x: ${verdict(reduced[1]! / reduced[0]! <= 2)}`]);
  rows.push([`one-agent step at 5,001 agents, Engine.step`, us(stepped[1]!), `at 101: ${us(stepped[0]!)}`, `${(stepped[1]! / stepped[0]!).toFixed(2)}x`, `<= 2x: ${verdict(stepped[1]! / stepped[0]! <= 2)}`]);

  // 3. Ways to make the next `nodes` record when one agent changes, on the same trees.
  const designs: [string, (s: RunState, id: string, node: AgentNode) => unknown][] = [
    ['immer produce over the record (before issue 18)', (s, id) => produce(s.nodes, (d) => void (d[id]!.iteration += 1))],
    ['spread copy + Object.freeze (plain record by hand)', (s, id, node) => Object.freeze({ ...s.nodes, [id]: { ...node, iteration: node.iteration + 1 } })],
  ];
  const plain = trees.map((t) => Object.freeze({ ...t.state, nodes: Object.freeze({ ...t.state.nodes }) }) as RunState);
  const designRows: Row[] = [];
  for (const [name, fn] of designs) {
    const [small, big] = await interleaved(plain.map((s, i) => () => fn(s, trees[i]!.runnable, s.nodes[trees[i]!.runnable]!)), 200);
    designRows.push([name, us(big!), `at 101: ${us(small!)}`, `${(big! / small!).toFixed(2)}x`, '']);
  }
  designRows.push(['NodeTable (this design): the reducer step above', us(reduced[1]!), `at 101: ${us(reduced[0]!)}`, `${(reduced[1]! / reduced[0]!).toFixed(2)}x`, '']);

  // 4. Start-up CPU, fresh processes, interleaved (bench/lib/startup.ts).
  const notes: string[] = [];
  const startRows: Row[] = startupRows(installed, notes, baseline);
  for (const note of notes) startRows.push([note, '', '', '', '']);

  const after = load();
  printTable(`Issue 18: engine (in-memory runtime, ScriptedLLM instant). Load average (1/5/15 min) before ${before}, after ${after}; Node ${process.version}`, rows);
  printTable('Making the next `nodes` record when one agent of the tree changes (per step)', designRows);
  printTable('Start-up: CPU of a whole fresh process (user + system), min of 5 interleaved runs', startRows);
}
