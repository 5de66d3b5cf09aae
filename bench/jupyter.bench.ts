/**
 * Jupyter runtime benchmark (issue 4). Run: `node bench/jupyter.bench.ts` (needs Debian's
 * jupyter-server, python3-ipykernel and python3-jupyter-client: scripts/ci/30-jupyter.sh).
 *
 * 1. Round trip of a trivial cell (`x = 1`), p50/p99 over 300 cells after 30 warm-up cells, all
 *    against the same kind of kernel (Debian's python3 ipykernel) in the same run:
 *    - baseline: Python's jupyter_client driving the kernel directly over ZMQ;
 *    - a plain @jupyterlab/services KernelConnection through a stock jupyter-server;
 *    - JupyterRuntime with neither of its latency fixes (stock server, no quick ACK);
 *    - JupyterRuntime with the client-side fix only (quick ACK; what a remote server gets);
 *    - JupyterRuntime as shipped (quick ACK, and Nagle off in the local server it starts);
 *    - JupyterRuntime `direct` (no server: kernels started by the runtime, ZeroMQ to them).
 * 2. A root delegating 20 children (each child one cell that ends in done(), answered by a
 *    ScriptedLLM at once): wall time of the run with a warm pool of 20 kernels (started before
 *    the clock starts) against a cold one (pool 0: each child starts its kernel).
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { Engine, ScriptedLLM, type Runtime } from '@rlmtree/core';
import { KernelManager, ServerConnection } from '@jupyterlab/services';
import WebSocket from 'ws';
import { JupyterRuntime, LocalJupyterServer } from '@rlmtree/runtime-jupyter';
import { cellRoundTrips, stats, type Stats } from './lib/cells.ts';

const CELLS = 300;
const WARMUP = 30;
const CHILDREN = 20;
const block = (code: string) => '```repl\n' + code + '\n```';

/** jupyter_client over ZMQ: execute, then wait for the reply and the idle status. */
function jupyterClient(): Stats {
  const script = `
import json, time, jupyter_client
km, kc = jupyter_client.manager.start_new_kernel(kernel_name="python3")
ts = []
for i in range(${WARMUP + CELLS}):
    t = time.perf_counter()
    msg_id = kc.execute("x = 1", silent=True, store_history=False)
    idle = reply = False
    while not idle:
        m = kc.get_iopub_msg(timeout=30)
        idle = m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle"
    while not reply:
        reply = kc.get_shell_msg(timeout=30)["parent_header"].get("msg_id") == msg_id
    if i >= ${WARMUP}:
        ts.append((time.perf_counter() - t) * 1000)
kc.stop_channels()
km.shutdown_kernel(now=True)
print(json.dumps(ts))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return stats(JSON.parse(out.trim().split('\n').at(-1)!) as number[]);
}

/** A plain services client: KernelConnection.requestExecute, await future.done. */
async function plainServices(server: LocalJupyterServer): Promise<Stats> {
  const debug = console.debug;
  console.debug = () => {}; // services logs socket and status changes there
  const serverSettings = ServerConnection.makeSettings({ baseUrl: server.info.baseUrl, wsUrl: server.info.wsUrl, token: server.info.token, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, appendToken: true });
  const manager = new KernelManager({ serverSettings });
  const kernel = await manager.startNew({ name: 'python3' });
  await kernel.info;
  const times: number[] = [];
  for (let i = 0; i < WARMUP + CELLS; i++) {
    const t0 = performance.now();
    await kernel.requestExecute({ code: 'x = 1', silent: true, store_history: false }).done;
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  await kernel.shutdown();
  manager.dispose();
  console.debug = debug;
  return stats(times);
}

async function runtimeRoundTrip(runtime: Runtime): Promise<Stats> {
  return (await cellRoundTrips(runtime, WARMUP, CELLS)).stats;
}

async function delegate20(runtime: JupyterRuntime): Promise<number> {
  const llm = new ScriptedLLM({
    rules: [
      { match: '^Query: child', replies: [block('done(len(CONTEXT))')] },
      {
        match: '^Query: root',
        replies: [block(`hs = [delegate(f"c{i}", "child", context="x" * i) for i in range(${CHILDREN})]\nres = yield wait(*hs)\ndone(sum(res))`)],
      },
    ],
  });
  const engine = new Engine({ llm, runtime });
  const t0 = performance.now();
  const final = await engine.run('root', '', { limits: { maxDepth: 1 } });
  const ms = performance.now() - t0;
  const expected = (CHILDREN * (CHILDREN - 1)) / 2;
  if (final.nodes.root?.result !== expected) throw new Error(`delegate run gave ${JSON.stringify(final.nodes.root?.result)}, expected ${expected}`);
  return ms;
}

const rows: { name: string; s: Stats }[] = [];
const fmt = (n: number) => n.toFixed(2).padStart(8);

rows.push({ name: 'jupyter_client over ZMQ (baseline)', s: jupyterClient() });
const stock = await LocalJupyterServer.start({ nodelay: false });
try {
  rows.push({ name: '@jupyterlab/services KernelConnection, stock server', s: await plainServices(stock) });
  for (const [name, quickAck] of [
    ['JupyterRuntime, stock server, no quick ACK', false],
    ['JupyterRuntime, stock server, quick ACK', true],
  ] as const) {
    const rt = new JupyterRuntime({ url: stock.info.baseUrl, token: stock.info.token, poolSize: 0, quickAck });
    rows.push({ name, s: await runtimeRoundTrip(rt) });
    await rt.close();
  }
} finally {
  await stock.stop();
}
const shipped = new JupyterRuntime({ poolSize: 0 }); // no pool refill starting a kernel mid-measurement
rows.push({ name: 'JupyterRuntime as shipped (local server, Nagle off, quick ACK)', s: await runtimeRoundTrip(shipped) });
await shipped.close();
const direct = new JupyterRuntime({ poolSize: 0, direct: true });
rows.push({ name: 'JupyterRuntime direct (no server, ZeroMQ to the kernel)', s: await runtimeRoundTrip(direct) });
await direct.close();

const base = rows[0]!.s.p50;
console.log(`\nTrivial cell round trip (x = 1), ${CELLS} cells after ${WARMUP} warm-up, same ipykernel, same run (load ${loadavg().map((l) => l.toFixed(2)).join(' ')})\n`);
console.log(`| ${'client'.padEnd(62)} | p50 ms   | p99 ms   | p50 / jupyter_client |`);
console.log(`|${'-'.repeat(64)}|----------|----------|----------------------|`);
for (const r of rows) console.log(`| ${r.name.padEnd(62)} | ${fmt(r.s.p50)} | ${fmt(r.s.p99)} | ${(r.s.p50 / base).toFixed(2).padStart(20)} |`);

const warm = new JupyterRuntime({ poolSize: CHILDREN + 1 }); // the root takes one too
await warm.ready();
const warmMs = await delegate20(warm);
await warm.close();
const cold = new JupyterRuntime({ poolSize: 0 });
await cold.serverInfo(); // the server's start-up is not part of either figure
const coldMs = await delegate20(cold);
await cold.close();
const directWarm = new JupyterRuntime({ poolSize: CHILDREN + 1, direct: true });
await directWarm.ready();
const directWarmMs = await delegate20(directWarm);
await directWarm.close();
const directCold = new JupyterRuntime({ poolSize: 0, direct: true });
const directColdMs = await delegate20(directCold);
await directCold.close();
console.log(`\nA root delegating ${CHILDREN} children (one cell each), wall time of the run\n`);
console.log('| pool                                  | ms        | ratio |');
console.log('|---------------------------------------|-----------|-------|');
console.log(`| warm (${CHILDREN + 1} kernels started beforehand)      | ${warmMs.toFixed(0).padStart(9)} |  1.00 |`);
console.log(`| cold (pool 0: each child starts one)  | ${coldMs.toFixed(0).padStart(9)} | ${(coldMs / warmMs).toFixed(2).padStart(5)} |`);
console.log(`| direct, warm                          | ${directWarmMs.toFixed(0).padStart(9)} | ${(directWarmMs / warmMs).toFixed(2).padStart(5)} |`);
console.log(`| direct, cold                          | ${directColdMs.toFixed(0).padStart(9)} | ${(directColdMs / warmMs).toFixed(2).padStart(5)} |`);
console.log(`(load ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
