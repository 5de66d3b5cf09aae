/**
 * What a runtime per `serve` caller costs (issue 14). Run:
 * `node --conditions=@rlmtree/source bench/serve-isolation.bench.ts [requests]` (the docker rows
 * need a Docker daemon and the image: `bash scripts/docker-image.sh`; without them they are skipped).
 *
 * Each request is one tree through the serve runner (`ServeRunner`, no HTTP): a scripted root
 * whose one cell ends in done(). Per runtime, in the same run:
 * - shared: one runtime for every request (what serve did before; no isolation between callers);
 * - per caller, cold: a runtime made for each request (`--warm-runtimes 0`);
 * - per caller, warm: `--warm-runtimes 1`, requests arriving after the spare has started;
 * - per caller, warm, 2 at once: pairs of concurrent requests (one waits for a cold start).
 * Prints request wall time p50/max (ms) and the p50 ratio against shared, with the load average.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { ScriptedLLM, type Runtime } from '@rlmtree/core';
import { defaultDockerImage, DockerRuntime, SubprocessRuntime } from '@rlmtree/runtime-python';
import { CallerRuntimes } from '../packages/cli/src/serve/caller-runtimes.ts';
import { ServeRunner, type RunRequest } from '../packages/cli/src/serve/runner.ts';

const REQUESTS = Number(process.argv[2] ?? 6);
const llm = new ScriptedLLM({ rules: [{ match: '^Query: ', replies: ['```repl\nx = 1\ndone("ok")\n```'] }] });

function request(i: number): RunRequest {
  return { id: `bench-${i}`, messages: [{ role: 'user', content: 'hello' }], signal: new AbortController().signal, output: { type: 'text' } };
}

async function one(runner: ServeRunner, i: number): Promise<number> {
  const t0 = performance.now();
  const out = await runner.run(request(i));
  if (out.text !== 'ok') throw new Error(`request ${i} answered ${out.text}`);
  return performance.now() - t0;
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const max = (xs: number[]) => Math.max(...xs);

interface Row { runtime: string; mode: string; times: number[] }

type Ready = Runtime & { ready(): Promise<void> };

async function measure(name: string, make: () => Ready): Promise<Row[]> {
  const rows: Row[] = [];
  const ready = async () => {
    const runtime = make();
    await runtime.ready();
    return runtime;
  };
  // shared
  const shared = await ready();
  let runner = new ServeRunner({ llm, runtime: shared });
  await one(runner, -1); // warm-up: the first REPLs of the pool
  const sharedTimes: number[] = [];
  for (let i = 0; i < REQUESTS; i++) sharedTimes.push(await one(runner, i));
  await shared.close();
  rows.push({ runtime: name, mode: 'shared', times: sharedTimes });
  // per caller, cold
  let callers = new CallerRuntimes({ create: ready, warm: 0 });
  runner = new ServeRunner({ llm, runtime: callers });
  const cold: number[] = [];
  for (let i = 0; i < REQUESTS; i++) cold.push(await one(runner, i));
  await callers.close();
  rows.push({ runtime: name, mode: 'per caller, cold', times: cold });
  // per caller, warm
  callers = new CallerRuntimes({ create: ready, warm: 1 });
  runner = new ServeRunner({ llm, runtime: callers });
  const warm: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    await callers.ready();
    warm.push(await one(runner, i));
  }
  const pairs: number[] = [];
  for (let i = 0; i < Math.ceil(REQUESTS / 2); i++) {
    await callers.ready();
    pairs.push(...(await Promise.all([one(runner, 2 * i), one(runner, 2 * i + 1)])));
  }
  await callers.close();
  rows.push({ runtime: name, mode: 'per caller, warm (1 spare)', times: warm });
  rows.push({ runtime: name, mode: 'per caller, warm, 2 at once', times: pairs });
  return rows;
}

const load0 = loadavg();
const rows: Row[] = [];
rows.push(...(await measure('subprocess', () => new SubprocessRuntime())));
const inspect = spawnSync('docker', ['image', 'inspect', defaultDockerImage()], { timeout: 15_000, stdio: 'ignore' });
const dockerMissing = inspect.status === 0 ? undefined : `no Docker daemon or no image ${defaultDockerImage()}`;
if (dockerMissing) console.log(`docker rows skipped: ${dockerMissing}`);
else rows.push(...(await measure('docker', () => new DockerRuntime())));
const load1 = loadavg();

console.log(`\nserve: a runtime per caller, ${REQUESTS} requests per row; load average ${load0.map((l) => l.toFixed(2)).join(' ')} -> ${load1.map((l) => l.toFixed(2)).join(' ')}\n`);
console.log('| runtime | mode | request p50 ms | request max ms | p50 vs shared |');
console.log('|---|---|---:|---:|---:|');
for (const r of rows) {
  const base = p50(rows.find((x) => x.runtime === r.runtime && x.mode === 'shared')!.times);
  console.log(`| ${r.runtime} | ${r.mode} | ${p50(r.times).toFixed(0)} | ${max(r.times).toFixed(0)} | ${(p50(r.times) / base).toFixed(2)}x |`);
}
