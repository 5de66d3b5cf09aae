/**
 * REPL start through the fork server (issue 18). Run:
 * `node --conditions=@rlmtree/source bench/repl-start.bench.ts [children=50] [idle=100] [fanouts=100,500]`.
 *
 * 1. `children` REPLs per configuration opened one at a time from its SubprocessRuntime (fork
 *    server), the configurations interleaved, each REPL running one first cell, kept open, then
 *    measured: `open()` (fork + handshake + init) p50/p99,
 *    first cell p50/p99, wall (sum of open + first cell), and each REPL's memory from
 *    /proc/<pid>/smaps_rollup (PSS: its share of the pages; USS: the pages only it holds). Three
 *    configurations in the same run: an empty first cell; a first cell importing stdlib-heavy
 *    modules (numpy is not installed on the CI machine; these stand in for it); the same cell
 *    with those modules in `preImports` (imported once in the server, `gc.freeze()` before each
 *    fork); the empty cell with no spares (`spares: 0`: the server forks when the host
 *    connects, as before spares); and the empty cell again, each open after a 100 ms pause.
 *    Ratios are against the empty-cell row of the same run. The rows' servers share the 2 cores:
 *    the first row opens right after another row's open (the preImports row's, before the last
 *    row was added), whose server is then forking and rehearsing the spare that replaces the one
 *    taken (on a quiet machine: 5.1 ms against 2.7-2.9 ms for the other rows); the last row opens once every server is idle, as an agent's REPL
 *    opens after its model's reply. The REPL start target (<= 5 ms p50) is read on the last row.
 * 2. `idle` REPLs open and idle for 3 s: their summed CPU (utime + stime from /proc/<pid>/stat)
 *    as a percentage of one core. Linux only.
 * 3. Fan-out through the engine: a root delegating N children (each `fanouts` value; 0 = skip),
 *    each child running two cells then `done` (engine.bench.ts's workload, ScriptedLLM answering
 *    at once, concurrency 8), on the subprocess runtime: wall time per child and the CPU each child cost the host, the fork server and the REPL processes (from /proc, Linux; the REPLs' split into user and system time),
 *    with the REPLs' page faults (each ~30 us on the machine of issue 18). Target: <= 20 ms per child.
 *    Beside it, the same run's floor: the CPU a child costs (host + server + REPL) over the
 *    machine's cores, and what a page costs a forked child here (`lib/page-cost.ts`).
 * The machine's load average is printed beside the figures: on a shared machine, re-run quiet.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Engine, ScriptedLLM, type Repl } from '@rlmtree/core';
import { DEFAULT_SPARES, SubprocessRuntime } from '@rlmtree/runtime-python';
import { stats, type Stats } from './lib/cells.ts';
import { pageCost } from './lib/page-cost.ts';

const CHILDREN = Number(process.argv[2] ?? 50);
const IDLE = Number(process.argv[3] ?? 100);
const FANOUTS = (process.argv[4] ?? '100,500').split(',').map(Number).filter((n) => n > 0);
const IDLE_MS = 3000;
/** The pause before each open of the last row (ms): long enough for a replacement spare's fork and rehearsal (~50 ms of CPU here). */
const PAUSE_MS = 100;
/** Stdlib modules with a large import graph (each pulls in dozens of others). */
const HEAVY = ['json', 'decimal', 'email.parser', 'http.client', 'asyncio', 'urllib.request', 'xml.etree.ElementTree', 'unittest', 'logging.handlers', 'concurrent.futures'];
const IMPORT_CELL = `import ${HEAVY.join(', ')}`;

const host = async () => ({ ok: false as const, error: 'no host calls here' });
const open = (runtime: SubprocessRuntime) => runtime.open({ agentId: 'root', context: '', tools: [], maxOutputChars: 1000 });

/** Runs `code` as cell `cell` and returns its output. @throws Error when the cell does not end `ok`. */
async function cell(repl: Repl, code: string, n: number): Promise<string> {
  const r = await repl.execute(code, host, { cell: n, timeoutMs: 60_000 });
  if (r.status !== 'ok') throw new Error(`cell: ${r.status} ${r.message ?? r.error?.message ?? ''}`);
  return r.output.trim();
}

/** PSS and USS of a process (kB), from /proc/<pid>/smaps_rollup. */
function memory(pid: number): { pss: number; uss: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { pss: kb('Pss'), uss: kb('Private_Clean') + kb('Private_Dirty') };
}

/** CPU time a process has used (clock ticks: utime + stime, /proc/<pid>/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 on
  return Number(fields[11]) + Number(fields[12]);
}

type Row = { label: string; open: Stats; first: Stats; wall: number; pss: number; uss: number };
/** `pauseMs`: the open waits this long after the row before it (every server's replacement spare is forked and rehearsed by then). */
type Config = { label: string; firstCell: string; preImports?: string[]; spares?: number; pauseMs?: number };

/**
 * Opens `CHILDREN` REPLs per configuration, interleaved (child i of every configuration before
 * child i + 1 of any), so a load change on the shared machine hits all rows alike.
 */
async function children(configs: Config[]): Promise<Row[]> {
  const runtimes = configs.map((c) => new SubprocessRuntime({ preImports: c.preImports, ...(c.spares !== undefined ? { spares: c.spares } : {}) }));
  const repls: Repl[][] = configs.map(() => []);
  const opens: number[][] = configs.map(() => []);
  const firsts: number[][] = configs.map(() => []);
  const walls = configs.map(() => 0);
  try {
    // The server's start (and its pre-imports) is paid once per runtime, before the first fork.
    await Promise.all(runtimes.map(async (rt) => cell(await open(rt), 'pass', 0)));
    for (let i = 0; i < CHILDREN; i++) {
      for (const [k, c] of configs.entries()) {
        if (c.pauseMs) await new Promise((r) => setTimeout(r, c.pauseMs));
        const a = performance.now();
        const repl = await open(runtimes[k]!);
        const b = performance.now();
        await cell(repl, c.firstCell, 0);
        const e = performance.now();
        opens[k]!.push(b - a);
        firsts[k]!.push(e - b);
        walls[k]! += e - a;
        repls[k]!.push(repl);
      }
    }
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length / 1024;
    const rows: Row[] = [];
    for (const [k, c] of configs.entries()) {
      const mem: { pss: number; uss: number }[] = [];
      for (const repl of repls[k]!) mem.push(memory(Number(await cell(repl, 'import os; print(os.getpid())', 1))));
      rows.push({ label: c.label, open: stats(opens[k]!), first: stats(firsts[k]!), wall: walls[k]!, pss: avg(mem.map((m) => m.pss)), uss: avg(mem.map((m) => m.uss)) });
    }
    return rows;
  } finally {
    await Promise.all(runtimes.map((rt) => rt.close()));
  }
}

async function idleCpu(): Promise<{ percent: number; load: number }> {
  const runtime = new SubprocessRuntime();
  try {
    const pids: number[] = [];
    for (let i = 0; i < IDLE; i++) pids.push(Number(await cell(await open(runtime), 'import os; print(os.getpid())', 0)));
    await new Promise((r) => setTimeout(r, 500)); // let the last cells' output threads settle
    const before = pids.map(cpuTicks);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const seconds = (performance.now() - t0) / 1000;
    const ticks = pids.map(cpuTicks).reduce((s, t, i) => s + t - before[i]!, 0);
    const hz = 100; // USER_HZ: 100 on every Linux ABI node runs on
    return { percent: (ticks / hz / seconds) * 100, load: loadavg()[0]! };
  } finally {
    await runtime.close();
  }
}

const fmt = (ms: number) => ms.toFixed(1);
if (CHILDREN > 0) {
  const loadBefore = loadavg()[0]!;
  const rows = await children([
    { label: 'empty first cell', firstCell: 'x = 1' },
    { label: 'same, no spares (fork at each connection, as before)', firstCell: 'x = 1', spares: 0 },
    { label: 'first cell imports heavy stdlib', firstCell: IMPORT_CELL },
    { label: 'same, modules in preImports', firstCell: IMPORT_CELL, preImports: HEAVY },
    { label: 'empty first cell, each open after a 100 ms pause', firstCell: 'x = 1', pauseMs: PAUSE_MS },
  ]);
  const loadAfter = loadavg()[0]!;
  const base = rows[0]!;

  console.log(`\n${CHILDREN} REPLs per row through the fork server, one at a time, rows interleaved (ms; wall = sum of open + first cell; memory per REPL, MB); load 1m ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
  console.log(`heavy modules: ${HEAVY.join(', ')}\n`);
  console.log('| first cell | open p50 | open p50 vs empty | open p99 | first cell p50 | first cell p99 | wall | wall vs empty | PSS | PSS vs empty | USS | USS vs empty |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${fmt(r.open.p50)} | ${(r.open.p50 / base.open.p50).toFixed(2)}x | ${fmt(r.open.p99)} | ${fmt(r.first.p50)} | ${fmt(r.first.p99)} | ${fmt(r.wall)} | ${(r.wall / base.wall).toFixed(2)}x | ${r.pss.toFixed(1)} | ${(r.pss / base.pss).toFixed(2)}x | ${r.uss.toFixed(1)} | ${(r.uss / base.uss).toFixed(2)}x |`,
    );
  }
  const start = base.open.p50;
  const paused = rows[4]!.open.p50;
  console.log(`\nREPL start (open p50, empty first cell, spares), target 5 ms: **${fmt(paused)} ms after a ${PAUSE_MS} ms pause (${(paused / 5).toFixed(2)}x the target)**; ${fmt(start)} ms right after another server's open (${(start / 5).toFixed(2)}x; that server then forks and rehearses its replacement spare on the same 2 cores); without spares ${fmt(rows[1]!.open.p50)} ms (${(rows[1]!.open.p50 / start).toFixed(2)}x); load 1m ${loadAfter.toFixed(2)}`);
}
if (process.platform === 'linux' && IDLE > 0) {
  const idle = await idleCpu();
  console.log(`\n${IDLE} idle REPLs over ${IDLE_MS / 1000} s: ${idle.percent.toFixed(2)}% of one core in total (one clock tick = ${(100 / (IDLE_MS / 10)).toFixed(2)}%; load 1m ${idle.load.toFixed(2)})`);
}
if (FANOUTS.length) {
  console.log('\nFan-out: a root delegating N children, two cells each then done (ScriptedLLM, concurrency 8), subprocess runtime.');
  console.log('CPU per child: the host (this process), the fork server itself (its forks), and the REPL processes it forked and reaped (utime + stime; the spares still waiting at the end are not counted), with their page faults.\n');
  console.log('| children | wall s | per child ms | vs 20 ms target | host CPU ms | fork server CPU ms | REPL CPU ms | REPL user / sys ms | REPL page faults | load 1m |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const floors: { n: number; cpu: number; faults: number }[] = [];
  for (const n of FANOUTS) {
    const f = await fanout(n);
    const per = (x: number) => (x / n).toFixed(1);
    console.log(`| ${n} | ${(f.wall / 1000).toFixed(2)} | ${per(f.wall)} | ${(f.wall / n / 20).toFixed(2)}x | ${per(f.hostCpu)} | ${per(f.serverCpu)} | ${per(f.replCpu)} | ${per(f.replUser)} / ${per(f.replSys)} | ${(f.replFaults / n).toFixed(0)} | ${loadavg()[0]!.toFixed(2)} |`);
    floors.push({ n, cpu: (f.hostCpu + f.serverCpu + f.replCpu) / n, faults: f.replFaults / n });
  }
  if (process.platform === 'linux') {
    // The same run's floor: all the CPU a child costs, spread over every core, and what its page faults alone cost here.
    const page = pageCost();
    const cores = availableParallelism();
    console.log(`
Machine, same run: a forked child's first read of a page ${page.readUs.toFixed(1)} us, first write (copy-on-write) ${page.writeUs.toFixed(1)} us; a bare python3 child has ${page.forkReturnMs.toFixed(2)} ms of CPU and ${page.forkReturnFaults} page faults when os.fork() returns (load 1m ${loadavg()[0]!.toFixed(2)}).`);
    for (const f of floors) {
      console.log(`${f.n} children: CPU per child (host + fork server + REPL) ${f.cpu.toFixed(1)} ms over ${cores} cores = a floor of ${(f.cpu / cores).toFixed(1)} ms wall per child; the REPL's ${f.faults.toFixed(0)} page faults at ${page.writeUs.toFixed(1)} us are ${((f.faults * page.writeUs) / 1000).toFixed(1)} ms of it.`);
    }
  }
}
console.log(`\nload average (1, 5, 15 min) at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);

/** The fork server this process started (its child running rlmtree_fork_server.py), from /proc; undefined if none. */
function forkServerPid(): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('rlmtree_fork_server') && statFields(Number(name))[1] === String(process.pid)) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** /proc/<pid>/stat from field 3 on (index i is field i + 3, see proc(5)). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * A process's own CPU (ms), its reaped children's CPU (ms; user and system apart: on a VM the
 * system share is mostly page faults) and their minor page faults, from /proc/<pid>/stat.
 */
function usage(pid: number | undefined): { self: number; children: number; childUser: number; childSys: number; childFaults: number } {
  if (pid === undefined) return { self: NaN, children: NaN, childUser: NaN, childSys: NaN, childFaults: NaN };
  const f = statFields(pid).map(Number);
  const ms = 1000 / 100; // USER_HZ: 100 on every Linux ABI node runs on
  return { self: (f[11]! + f[12]!) * ms, children: (f[13]! + f[14]!) * ms, childUser: f[13]! * ms, childSys: f[14]! * ms, childFaults: f[8]! };
}

/** Waits (bounded, 60 s) until process `pid` has at most `left` children (the rest exited and were reaped). */
async function reaped(pid: number | undefined, left: number): Promise<void> {
  const children = () => readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)).length;
  const deadline = Date.now() + 60_000;
  while (pid !== undefined && children() > left && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

type Fanout = { wall: number; hostCpu: number; serverCpu: number; replCpu: number; replUser: number; replSys: number; replFaults: number };

/**
 * A run whose root delegates `n` children (engine.bench.ts's workload): wall (ms), the host's
 * CPU (ms), and the fork server's own and its reaped REPLs' CPU (ms; the REPLs' also split into user and system) and page faults, read once
 * the run's REPLs have closed and been reaped.
 */
async function fanout(n: number): Promise<Fanout> {
  const block = (code: string) => '```repl\n' + code + '\n```';
  const llm = new ScriptedLLM({
    rules: [
      { match: '^Query: child', replies: [block('a = 1'), block('b = a + 1'), block('done(b)')] },
      { match: '^Query: ', replies: [block(`hs = [delegate(f"c{i}", "child") for i in range(${n})]\nres = yield wait(hs)\ndone(len(res))`)] },
    ],
  });
  const runtime = new SubprocessRuntime();
  const engine = new Engine({ llm, runtime, concurrency: 8 });
  try {
    await cell(await open(runtime), 'pass', 0); // the fork server's own start is not a child's
    const server = process.platform === 'linux' ? forkServerPid() : undefined;
    const before = usage(server);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const final = await engine.run('root', 'context', { limits: { maxDepth: 1 } });
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (final.nodes.root!.result !== n) throw new Error(`fan-out of ${n} ended with ${JSON.stringify(final.nodes.root!.result ?? final.nodes.root!.error)}`);
    await engine.close();
    await reaped(server, DEFAULT_SPARES + 1); // the closed REPLs exit and the server reaps them (the spares and the warm-up REPL stay)
    const after = usage(server);
    return { wall, hostCpu: (cpu.user + cpu.system) / 1000, serverCpu: after.self - before.self, replCpu: after.children - before.children, replUser: after.childUser - before.childUser, replSys: after.childSys - before.childSys, replFaults: after.childFaults - before.childFaults };
  } finally {
    await engine.close();
    await runtime.close();
  }
}
