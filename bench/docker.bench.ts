/**
 * Docker runtime benchmark (issue 5). Run: `node bench/docker.bench.ts` (needs a Docker daemon
 * and the image: `bash scripts/docker-image.sh`).
 *
 * 1. Round trip of a trivial cell (`x = 1`), p50/p99 over 300 cells after 30 warm-up cells, on
 *    the subprocess runtime and on the docker runtime (exec per agent, and container per agent),
 *    measured in the same run.
 * 2. A root delegating 50 children, each child one trivial cell that ends in done(), answered by a
 *    ScriptedLLM at once: wall time of the whole run with one container per runtime and the fork
 *    server in it (the default: a REPL is a fork, issue 18), with a `docker exec` process per
 *    agent (`forkServer: false`, pool of 4) and with the naive layout (a `docker run` container
 *    per agent, same pool), with the subprocess runtime as reference. Twice: with the runtime's
 *    start included (each configuration begins with a fresh runtime), and warm (a first REPL
 *    opened and closed before the clock starts: the container and the fork server are up).
 * Load averages are printed with the table: on a shared machine, compare the ratios.
 * Run: `node --conditions=@rlmtree/source bench/docker.bench.ts [naive=1]` (0 leaves the slow
 * container-per-agent row out).
 */
import { loadavg } from 'node:os';
import { Engine, ScriptedLLM, type Runtime } from '@rlmtree/core';
import { DockerRuntime, SubprocessRuntime } from '@rlmtree/runtime-python';
import { cellRoundTrips, type Stats } from './lib/cells.ts';

const CHILDREN = 50;
const CELLS = 300;
const WARMUP = 30;
const block = (code: string) => '```repl\n' + code + '\n```';

async function roundTrip(runtime: Runtime): Promise<Stats> {
  return (await cellRoundTrips(runtime, WARMUP, CELLS)).stats;
}

/** Opens and closes one REPL, so the runtime's container (and fork server) are up. */
async function warm(runtime: Runtime): Promise<void> {
  const repl = await runtime.open({ agentId: 'warm', context: '', tools: [], maxOutputChars: 1000 });
  await repl.execute('x = 1', async () => ({ ok: false, error: 'none' }), { cell: 0, timeoutMs: 60_000 });
  await repl.close();
}

async function delegate50(runtime: Runtime): Promise<number> {
  const llm = new ScriptedLLM({
    rules: [
      { match: '^Query: child', replies: [block('x = 1\ndone("ok")')] },
      { match: '^Query: ', replies: [block(`hs = [delegate(f"c{i}", "child") for i in range(${CHILDREN})]\nres = yield wait(hs)\ndone(sum(r == "ok" for r in res))`)] },
    ],
  });
  const engine = new Engine({ llm, runtime, concurrency: 8 });
  const t0 = performance.now();
  const final = await engine.run('root', 'context', { limits: { maxDepth: 1 } });
  const wall = performance.now() - t0;
  await engine.close();
  const root = final.nodes[final.rootId]!;
  if (root.result !== CHILDREN) throw new Error(`delegate run ended with ${JSON.stringify(root.result ?? root.error)}`);
  return wall;
}

type Config = { label: string; make: () => Runtime };
const configs: Config[] = [
  { label: 'subprocess (reference)', make: () => new SubprocessRuntime({ poolSize: 4 }) },
  { label: 'docker, fork server in the container (default)', make: () => new DockerRuntime({ poolSize: 4 }) },
  { label: 'docker, exec per agent', make: () => new DockerRuntime({ poolSize: 4, forkServer: false }) },
  ...(process.argv[2] === '0' ? [] : [{ label: 'docker, container per agent (naive)', make: () => new DockerRuntime({ containerPer: 'agent', poolSize: 4 }) }]),
];

const loadBefore = loadavg()[0]!;
const rows: { label: string; p50: number; p99: number; fanout: number; warmFanout: number }[] = [];
for (const c of configs) {
  const rt1 = c.make();
  const rtt = await roundTrip(rt1);
  await rt1.close();
  const rt2 = c.make();
  const fanout = await delegate50(rt2);
  await rt2.close();
  const rt3 = c.make();
  await warm(rt3);
  const warmFanout = await delegate50(rt3);
  await rt3.close();
  rows.push({ label: c.label, ...rtt, fanout, warmFanout });
  console.error(`done: ${c.label}`);
}

const base = rows[0]!;
const chosen = rows[1]!;
const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 0);
console.log(`\ntrivial cell round trip (${CELLS} cells) and delegating ${CHILDREN} children (wall ms; cold: the runtime's start included; warm: container and fork server up); load 1m ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after\n`);
console.log('| runtime | cell p50 ms | cell p99 ms | p50 vs subprocess | 50 children cold ms | vs subprocess | 50 children warm ms | vs subprocess | warm vs fork server |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.label} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${(r.p50 / base.p50).toFixed(1)}x | ${fmt(r.fanout)} | ${(r.fanout / base.fanout).toFixed(1)}x | ${fmt(r.warmFanout)} | ${(r.warmFanout / base.warmFanout).toFixed(2)}x | ${(r.warmFanout / chosen.warmFanout).toFixed(2)}x |`,
  );
}
console.log(`\nload average (1, 5, 15 min) at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
