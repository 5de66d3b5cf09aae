/**
 * Forking an agent whose cells ran for seconds of CPU (issue 18): a live snapshot against the
 * rebuild from the record, in the same run. Run:
 * `node --conditions=@rlmtree/source bench/snapshot-fork.bench.ts [cpuSeconds=5] [forks=5] [rebuilds=1] [dataMb=40]`.
 *
 * The root's first cell spends `cpuSeconds` of CPU (a fixed loop, calibrated in this run so a
 * rebuild re-runs exactly the same work), builds a list of about `dataMb` MB, delegates a child
 * and suspends at `yield wait(...)`: the engine snapshots it there. Then the same state (root
 * SUPERVISING) is forked into fresh engines and stepped to the end (child reply, child cell,
 * root wake, root's last cell); the table gives the wall time of the step that wakes the root,
 * which is where the fork needs the root's REPL:
 * - `live REPL` — the original engine, whose REPL is still there (no fork at all; the floor),
 * - `snapshot` — a fresh engine sharing the `ReplSnapshots`: the REPL is a fork of the parked copy,
 * - `rebuild` — a fresh engine without snapshots: a new REPL re-runs the first cell from the record.
 * Memory per snapshot (`ReplSnapshot.memoryBytes`: PSS of the parked copy and of the copy it
 * keeps forked ahead) right after it was taken and once the original REPL has exited, and the
 * original REPL's own RSS for scale. Linux (/proc). The machine's load average is printed beside the figures.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Engine, isFinished, ReplSnapshots, ScriptedLLM, type CompletionRequest, type RunState } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { stats } from './lib/cells.ts';

const CPU_S = Number(process.argv[2] ?? 5);
const FORKS = Number(process.argv[3] ?? 5);
const REBUILDS = Number(process.argv[4] ?? 1);
const DATA_MB = Number(process.argv[5] ?? 40);

const repl = (code: string) => '```repl\n' + code + '\n```';
const host = async () => ({ ok: false as const, error: 'no host calls here' });
const WORK = (n: number) => `acc = 0\nfor i in range(${n}):\n    acc = (acc * 31 + i) % 1000003\n`;

/** Loop iterations that take about `seconds` of CPU here, measured in a REPL of `runtime`. */
async function calibrate(runtime: SubprocessRuntime, seconds: number): Promise<number> {
  const r = await runtime.open({ agentId: 'calibrate', context: '', tools: [], maxOutputChars: 1000 });
  const n = 2_000_000;
  const out = await r.execute(`import time\nt0 = time.process_time()\n${WORK(n)}print(time.process_time() - t0)`, host, { cell: 0, timeoutMs: 120_000 });
  await r.close();
  const took = Number(out.output.trim());
  return Math.max(1, Math.round((n * seconds) / took));
}

/** Replies by the agent's query and the replies it gave so far. */
function policy(rules: Record<string, string[]>) {
  return new ScriptedLLM((req: CompletionRequest, { turn }) => {
    const name = /^Query: (.*)/.exec(req.messages.find((m) => m.role === 'user')!.content)![1]!;
    return rules[name]![turn]!;
  });
}

/** Steps `state` to the end; returns the wall time (ms) of the step that woke the root. */
async function wakeStep(engine: Engine, state: RunState): Promise<number> {
  let s = state;
  let wake = NaN;
  while (!isFinished(s)) {
    const wakes = s.nodes.root!.status === 'SUPERVISING' && s.nodes.root!.awaiting.every((id) => s.nodes[id]?.status === 'FINISHED');
    const t0 = performance.now();
    s = await engine.step(s);
    if (wakes) wake = performance.now() - t0;
  }
  if (s.nodes.root!.result !== 'ok') throw new Error(`the root ended with ${JSON.stringify(s.nodes.root!.result ?? s.nodes.root!.error)}`);
  return wake;
}

/** Unique set size and RSS of a process (MB), from /proc/<pid>/smaps_rollup. */
function memory(pid: number): { uss: number; rss: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { uss: (kb('Private_Clean') + kb('Private_Dirty')) / 1024, rss: kb('Rss') / 1024 };
}

const loadBefore = loadavg()[0]!;
const runtime = new SubprocessRuntime();
try {
  const n = await calibrate(runtime, CPU_S);
  const items = Math.round((DATA_MB * 1024 * 1024) / 36); // a list slot (8 B) + a small int object (28 B)
  const first = `import os\n${WORK(n)}data = list(range(1000, 1000 + ${items}))\nprint(os.getpid())\nhs = [delegate("c", "child")]\nres = yield wait(*hs)`;
  const rules = { root: [repl(first), repl('done("ok" if acc >= 0 and res == [1] else "wrong")')], child: [repl('done(1)')] };

  const snapshots = new ReplSnapshots({ maxBytes: 4 * 1024 * 1024 * 1024 });
  const original = new Engine({ llm: policy(rules), runtime, snapshots });
  let at = original.init('root', 'ctx');
  const t0 = performance.now();
  while (at.nodes.root!.status !== 'SUPERVISING') at = await original.step(at);
  const originalMs = performance.now() - t0;

  // Memory: the parked copy right after it was taken (the original REPL alive, sharing its
  // pages), then once the original REPL has finished and exited (the copy holds them alone).
  const afterTaken = snapshots.stats().bytes / 1024 / 1024;
  const originalRss = memory(Number(at.nodes.root!.cells[0]!.output.trim())).rss;
  const live = { ms: await wakeStep(original, at) };
  await new Promise((resolve) => setTimeout(resolve, 200)); // the original REPL's exit
  const afterExit = snapshots.stats().bytes / 1024 / 1024;

  const snap: number[] = [];
  for (let i = 0; i < FORKS; i++) snap.push(await wakeStep(new Engine({ llm: policy(rules), runtime, snapshots }), at));
  const rebuild: number[] = [];
  for (let i = 0; i < REBUILDS; i++) rebuild.push(await wakeStep(new Engine({ llm: policy(rules), runtime }), at));
  const loadAfter = loadavg()[0]!;

  const s = stats(snap);
  const r = stats(rebuild);
  const fmt = (ms: number) => ms.toFixed(1);
  console.log(`\nFork of an agent whose first cell spent ${CPU_S} s of CPU (${n.toLocaleString('en-US')} loop iterations, calibrated here) and holds a ${DATA_MB} MB list; the original run took ${(originalMs / 1000).toFixed(1)} s to reach the fork point.`);
  console.log(`load 1m ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after (shared machine: re-run quiet for absolute numbers)\n`);
  console.log('| the root\'s REPL at the wake step | runs | wake step p50 ms | max ms | vs rebuild p50 |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| live REPL (no fork; the floor) | 1 | ${fmt(live.ms)} | ${fmt(live.ms)} | ${(live.ms / r.p50).toFixed(4)}x |`);
  console.log(`| live snapshot (os.fork of the parked copy) | ${FORKS} | ${fmt(s.p50)} | ${fmt(Math.max(...snap))} | ${(s.p50 / r.p50).toFixed(4)}x |`);
  console.log(`| rebuild from the record (re-runs the cell) | ${REBUILDS} | ${fmt(r.p50)} | ${fmt(Math.max(...rebuild))} | 1.0000x |`);
  console.log(`\nMemory per snapshot (PSS of the parked copy and the copy it keeps forked ahead): ${afterTaken.toFixed(1)} MB right after it was taken (pages shared with the live REPL), ${afterExit.toFixed(1)} MB once the original REPL has finished and exited (the pair then holds its pages alone); the original REPL's RSS at the fork point: ${originalRss.toFixed(1)} MB.`);
  console.log(`snapshots: ${JSON.stringify({ ...snapshots.stats(), bytes: undefined })}`);
  console.log(`\nload average (1, 5, 15 min) at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
  await snapshots.close();
  await original.close();
} finally {
  await runtime.close();
}
