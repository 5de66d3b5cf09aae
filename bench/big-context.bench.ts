/**
 * Big contexts without copies (issue 18, items 3 and 5). Run on the built packages (what users
 * install; `npm run build` first): `NODE_OPTIONS= node bench/big-context.bench.ts [cases...]`, or
 * on the sources with `node --conditions=@rlmtree/source ...` (host RSS is then ~40 MB higher: type stripping)
 * (cases: first-cell trace run children; default all; about a minute and ~1.5 GB of RAM).
 *
 * Every measurement runs in a fresh Node process (so hash caches, the fork server and peak RSS
 * belong to that case alone), and each "new" figure has its baseline measured in the same run:
 * - first-cell: a 10 MB context on the subprocess runtime (fork server started beforehand):
 *   `open()` (fork + handshake), then the init (CONTEXT bound) with the setup cell (`context =
 *   CONTEXT`, as the engine's agent setup binds it), then the first agent cell `n = len(CONTEXT)`;
 *   the context sent inline (JSON in `init`, the old path) against as a file (`contextFiles`),
 *   with a tiny context as the floor; p50 over 5 REPLs, and the first of them alone (over a file
 *   it reads the context for all: the REPLs after it are forked from its context server).
 * - trace: the first trace write (`TraceWriter.create`: header + the context's blob) with a
 *   100 MB context, format 3 (raw blob bytes) against format 2 (the blob as a JSON string); file
 *   size and the time to read it back.
 * - run: a 50 MB context, a real run (subprocess runtime, two cells) recorded to a trace: trace
 *   size and peak host RSS against the context's size; format 3 + context file against format 2 +
 *   inline.
 * - children: a root delegating 20 children that each run `n = len(CONTEXT)` then `done(n)` over
 *   the root's 10 MB context, against the same over a tiny context: wall, host CPU, peak host RSS
 *   and each child's PSS (read while it waits for its second reply); with the context as a file
 *   the REPLs are forked from its context server (shared), as a file each REPL decodes itself
 *   (`contextServers: 0`), and inline.
 * The load average is printed beside each table: on a shared machine, re-run quiet.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { allNodes, createRun, Engine, readTrace, ScriptedLLM, TraceWriter, type Repl } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { packagesFrom } from './lib/packages.ts';

const MB = 1_000_000;
const corpus = readFileSync(join(import.meta.dirname, '../examples/data/tinyshakespeare.txt'), 'utf8');
const contextOf = (bytes: number) => corpus.repeat(Math.ceil(bytes / corpus.length)).slice(0, bytes);
const block = (code: string) => '```repl\n' + code + '\n```';
const host = async () => ({ ok: false as const, error: 'no host calls here' });
const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');
const rssMB = () => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB

// ------------------------------------------------------------------ one case, in this process

type Result = Record<string, number>;

async function firstCell(file: boolean, size = 10 * MB, servers?: number): Promise<Result> {
  const context = size > 0 ? contextOf(size) : 'tiny context';
  const runtime = new SubprocessRuntime({ contextFiles: file, ...(servers !== undefined ? { contextServers: servers } : {}) });
  // The fork server's own start is not what is measured: open and close one REPL first.
  await (await runtime.open({ agentId: 'warm', context: '', tools: [], maxOutputChars: 1000 })).close();
  const totals: number[] = [];
  const cells: number[] = [];
  const opens: number[] = [];
  const setups: number[] = [];
  const repls: Repl[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const repl = await runtime.open({ agentId: `a${i}`, context, tools: [], maxOutputChars: 1000 });
    const tOpen = performance.now();
    const setup = await repl.execute('context = CONTEXT', host, { cell: 0, timeoutMs: 60_000 });
    const t1 = performance.now();
    opens.push(tOpen - t0);
    setups.push(t1 - tOpen);
    const first = await repl.execute('n = len(CONTEXT)\nprint(n)', host, { cell: 1, timeoutMs: 60_000 });
    const t2 = performance.now();
    if (setup.status !== 'ok' || first.status !== 'ok' || first.output.trim() !== String(context.length)) throw new Error(`first cell: ${first.status} ${first.output} ${first.message ?? ''}`);
    totals.push(t2 - t0);
    cells.push(t2 - t1);
    repls.push(repl);
  }
  for (const r of repls) await r.close();
  await runtime.close();
  const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  // The first REPL over a context also reads it for all (a context server); the others fork from it.
  return { openToFirstCellMs: p50(totals), openMs: p50(opens), bindAndSetupMs: p50(setups), firstCellAloneMs: p50(cells), firstReplMs: totals[0]! };
}

async function traceWrite(version: 2 | 3): Promise<Result> {
  const context = contextOf(100 * MB);
  const state = createRun('Count the speeches.', context, { runId: 'bench' });
  const dir = mkdtempSync(join(tmpdir(), 'rlmtree-bigctx-'));
  const path = join(dir, 'run.jsonl');
  const t0 = performance.now();
  TraceWriter.create(path, state, { formatVersion: version }).close();
  const writeMs = performance.now() - t0;
  const bytes = statSync(path).size;
  const t1 = performance.now();
  const trace = await readTrace(path);
  const readMs = performance.now() - t1;
  if (trace.header.initial.nodes.root!.context !== context) throw new Error('the context did not round-trip');
  rmSync(dir, { recursive: true, force: true });
  return { writeMs, readMs, traceMB: bytes / MB };
}

async function tracedRun(modern: boolean): Promise<Result> {
  const baseRss = rssMB();
  const context = contextOf(50 * MB);
  const dir = mkdtempSync(join(tmpdir(), 'rlmtree-bigctx-'));
  const path = join(dir, 'run.jsonl');
  const llm = new ScriptedLLM([block('n = len(CONTEXT)\nprint(n)'), block('done(n)')]);
  const engine = new Engine({ llm, runtime: new SubprocessRuntime({ contextFiles: modern }) });
  const initial = engine.init('How long is the context?', context, { runId: 'bench' });
  const writer = TraceWriter.create(path, initial, { formatVersion: modern ? 3 : 2 });
  const t0 = performance.now();
  const final = await engine.runFrom(initial, { onStep: writer.follow(initial) });
  const wallMs = performance.now() - t0;
  writer.close();
  await engine.close();
  if (final.nodes.root!.result !== context.length) throw new Error(`run ended with ${JSON.stringify(final.nodes.root!.result ?? final.nodes.root!.error)}`);
  const traceMB = statSync(path).size / MB;
  rmSync(dir, { recursive: true, force: true });
  return { wallMs, traceMB, peakRssMB: rssMB(), baseRssMB: baseRss };
}

/** PSS (bytes) of a process, from /proc/<pid>/smaps_rollup. */
function pssOf(pid: number): number {
  return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN) * 1024;
}

async function children(size: number, file: boolean, servers?: number): Promise<Result> {
  const context = size > 0 ? contextOf(size) : 'tiny context';
  const pss: number[] = [];
  const llm = new ScriptedLLM({
    rules: [
      // Each child reports its pid; its PSS is read before it finishes (its REPL is closed then).
      { match: '^Query: child', replies: [block('import os\nn = len(CONTEXT)\nprint(os.getpid())'), block('done(n)')] },
      { match: '^Query: ', replies: [block('hs = [delegate(f"c{i}", "child") for i in range(20)]\nres = yield wait(*hs)\ndone(sum(res))')] },
    ],
  });
  const runtime = new SubprocessRuntime({ contextFiles: file, ...(servers !== undefined ? { contextServers: servers } : {}) });
  await (await runtime.open({ agentId: 'warm', context: '', tools: [], maxOutputChars: 1000 })).close();
  const engine = new Engine({ llm, runtime });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const seen = new Set<number>();
  const initial = engine.init('root', context, { limits: { maxDepth: 1 } });
  const final = await engine.runFrom(initial, {
    onStep: ({ state }) => {
      for (const node of allNodes(state)) {
        const pid = node.id !== 'root' && node.status !== 'FINISHED' ? Number(node.cells.at(-1)?.output.trim()) : NaN;
        if (Number.isInteger(pid) && !seen.has(pid)) {
          seen.add(pid);
          pss.push(pssOf(pid));
        }
      }
    },
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await engine.close();
  if (final.nodes.root!.result !== 20 * context.length) throw new Error(`run ended with ${JSON.stringify(final.nodes.root!.result ?? final.nodes.root!.error)}`);
  if (pss.length !== 20) throw new Error(`read the memory of ${pss.length} children, not 20`);
  return { wallMs, hostCpuMs: (cpu.user + cpu.system) / 1000, peakRssMB: rssMB(), childPssMB: pss.reduce((a, b) => a + b, 0) / pss.length / MB };
}

// ------------------------------------------------------------------ the driver

const CASES: Record<string, () => Promise<Result> | Result> = {
  'first-cell:tiny': () => firstCell(true, 0),
  'first-cell:inline': () => firstCell(false),
  'first-cell:file': () => firstCell(true),
  'first-cell:file-unshared': () => firstCell(true, 10 * MB, 0),
  'trace:v2': () => traceWrite(2),
  'trace:v3': () => traceWrite(3),
  'run:old': () => tracedRun(false),
  'run:new': () => tracedRun(true),
  'children:tiny': () => children(0, true),
  'children:10mb-file': () => children(10 * MB, true),
  'children:10mb-inline': () => children(10 * MB, false),
  'children:10mb-unshared': () => children(10 * MB, true, 0),
};

const only = process.argv[2] === '--case' ? process.argv[3] : undefined;
if (only) {
  const result = await CASES[only]!();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Runs one case in a fresh Node process and returns its figures. */
function run(name: string): Result {
  const r = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--case', name], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`case ${name} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result;
}

const want = new Set(process.argv.slice(2).length ? process.argv.slice(2) : ['first-cell', 'trace', 'run', 'children']);
const f = (n: number, d = 0) => n.toFixed(d);

if (want.has('first-cell')) {
  const tiny = run('first-cell:tiny');
  const inline = run('first-cell:inline');
  const file = run('first-cell:file');
  const unshared = run('first-cell:file-unshared');
  console.log(`\n10 MB context, subprocess runtime (p50 of 5 REPLs; load ${load()})\n`);
  console.log('| CONTEXT sent | open() ms | init + setup cell ms | first cell ms | open → first cell done ms | vs inline | the first of the 5 REPLs: open → first cell done ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [label, r] of [['tiny context (floor)', tiny], ['10 MB inline (JSON in init)', inline], ['10 MB as a file (the first REPL makes its context server)', file], ['10 MB as a file each REPL decodes (contextServers: 0)', unshared]] as const) {
    console.log(`| ${label} | ${f(r.openMs!)} | ${f(r.bindAndSetupMs!)} | ${f(r.firstCellAloneMs!, 1)} | ${f(r.openToFirstCellMs!)} | ${(r.openToFirstCellMs! / inline.openToFirstCellMs!).toFixed(2)}x | ${f(r.firstReplMs!)} |`);
  }
}

if (want.has('trace')) {
  const v2 = run('trace:v2');
  const v3 = run('trace:v3');
  console.log(`\n100 MB context: first trace write (header + context blob; load ${load()})\n`);
  console.log('| trace format | write ms | read ms | trace MB | write vs v2 |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| 2 (blob as JSON string) | ${f(v2.writeMs!)} | ${f(v2.readMs!)} | ${f(v2.traceMB!, 1)} | 1.00x |`);
  console.log(`| 3 (raw blob bytes) | ${f(v3.writeMs!)} | ${f(v3.readMs!)} | ${f(v3.traceMB!, 1)} | ${(v3.writeMs! / v2.writeMs!).toFixed(2)}x |`);
}

if (want.has('run')) {
  const old = run('run:old');
  const now = run('run:new');
  console.log(`\n50 MB context, a two-cell run on subprocess, traced (load ${load()}; packages: ${packagesFrom()}, target: RSS <= 3x the context)\n`);
  console.log('| path | wall ms | trace MB | trace / context | peak host RSS MB | RSS / context | RSS before the context MB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [label, r] of [['trace v2 + inline context', old], ['trace v3 + context file', now]] as const) {
    console.log(`| ${label} | ${f(r.wallMs!)} | ${f(r.traceMB!, 1)} | ${(r.traceMB! / 50).toFixed(3)}x | ${f(r.peakRssMB!)} | ${(r.peakRssMB! / 50).toFixed(2)}x | ${f(r.baseRssMB!)} |`);
  }
}

if (want.has('children')) {
  const tiny = run('children:tiny');
  const file = run('children:10mb-file');
  const unshared = run('children:10mb-unshared');
  const inline = run('children:10mb-inline');
  console.log(`\n20 children over the root's context, subprocess runtime (load ${load()}; target: 10 MB within 1.5x of tiny)\n`);
  console.log('| context | wall ms | vs tiny | host CPU ms | peak host RSS MB | PSS per child MB |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [label, r] of [
    ['tiny', tiny],
    ['10 MB, a file, REPLs forked from its context server (shared)', file],
    ['10 MB, a file each REPL decodes (contextServers: 0)', unshared],
    ['10 MB, inline (JSON in init)', inline],
  ] as const) {
    console.log(`| ${label} | ${f(r.wallMs!)} | ${(r.wallMs! / tiny.wallMs!).toFixed(2)}x | ${f(r.hostCpuMs!)} | ${f(r.peakRssMB!)} | ${f(r.childPssMB!, 1)} |`);
  }
}
