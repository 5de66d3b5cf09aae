/**
 * Jupyter runtime benchmark (issues 4 and 18). Run: `node bench/jupyter.bench.ts [--rounds R]
 * [--cells N] [--all] [--no-pool]` (needs Debian's jupyter-server, python3-ipykernel and
 * python3-jupyter-client: scripts/ci/30-jupyter.sh; the direct rows need the optional `zeromq`).
 *
 * 1. Round trip of a trivial cell (`x = 1`), p50/p99 over N cells (default 200) after 30 warm-up
 *    cells, in R interleaved rounds (default 5; each round a fresh kernel per row, all Debian's
 *    python3 ipykernel), so every ratio compares figures taken under the same load:
 *    - baseline: Python's jupyter_client driving the kernel directly over ZMQ;
 *    - JupyterRuntime direct (the local default: no server, ZeroMQ to the kernel);
 *    - the same with the prelude's execute_request shortcut switched off (every host message a
 *      cell IPython runs, as the server path's remote kernels without ipykernel hooks would);
 *    - `x = 1` sent bare over the runtime's own ZeroMQ channel (no prelude, no cell driver): the
 *      hop alone, what is left when the prelude's per-cell work is taken away;
 *    - JupyterRuntime through a local jupyter-server (`direct: false`, quick ACK, Nagle off).
 *    The ratio column is the median over rounds of (row p50 / jupyter_client p50 of that round).
 *    Then where a direct cell's time goes: the prelude's handler timed inside the kernel, the
 *    rest of the round trip (the hop), and the host's CPU per cell beside jupyter_client's.
 *    With --all, also the history of the server path (issue 4): a plain @jupyterlab/services
 *    KernelConnection through a stock server, and the runtime there without and with quick ACK.
 * 2. (unless --no-pool) A root delegating 20 children (each child one cell that ends in done(),
 *    answered by a ScriptedLLM at once): wall time of the run with a warm pool of 21 kernels
 *    (started before the clock starts) against a cold one (pool 0: each child starts its kernel),
 *    direct and through the server.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Engine, ScriptedLLM, type Repl, type Runtime } from '@rlmtree/core';
import { KernelManager, ServerConnection } from '@jupyterlab/services';
import WebSocket from 'ws';
import { JupyterRuntime, LocalJupyterServer, type KernelChannel } from '@rlmtree/runtime-jupyter';
import { cellRoundTrips, median, stats, type Stats } from './lib/cells.ts';

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, cells: { type: 'string', default: '200' }, all: { type: 'boolean', default: false }, 'no-pool': { type: 'boolean', default: false } },
});
const ROUNDS = Number(args.rounds);
const CELLS = Number(args.cells);
const WARMUP = 30;
const CHILDREN = 20;
const block = (code: string) => '```repl\n' + code + '\n```';
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

/** jupyter_client over ZMQ: execute, then wait for the reply and the idle status; `cpuUs`: the client process's CPU per cell (µs). */
function jupyterClient(): Stats & { cpuUs: number } {
  const script = `
import json, time, jupyter_client
km, kc = jupyter_client.manager.start_new_kernel(kernel_name="python3")
ts = []
for i in range(${WARMUP + CELLS}):
    if i == ${WARMUP}:
        c0 = time.process_time()
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
cpu = (time.process_time() - c0) / ${CELLS} * 1e6
kc.stop_channels()
km.shutdown_kernel(now=True)
print(json.dumps([ts, cpu]))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [ts, cpuUs] = JSON.parse(out.trim().split('\n').at(-1)!) as [number[], number];
  return { ...stats(ts), cpuUs };
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

/** The kernel channel under a runtime's REPL (a bench-only look inside: `KernelRepl.kernel` is private). */
const channelOf = (repl: Repl) => (repl as unknown as { kernel: { channel: KernelChannel } }).kernel.channel;
const IGNORE = { onInputRequest: () => {}, onIopub: () => {} };

/** Runs `code` in the kernel itself (not in the agent's REPL); throws when it fails. */
async function kernelCell(repl: Repl, code: string): Promise<void> {
  const reply = await channelOf(repl).execute(code, {}, IGNORE);
  if (reply.content.status !== 'ok') throw new Error(`kernel cell failed: ${String(reply.content.evalue)}`);
}

/** Times the prelude's execute_request handler in the kernel (s per call in `_rlm_times`); keeps the shortcut as `_rlm_shortcut`. */
const TIME_HANDLER = `
import time as _rlm_time
_rlm_handlers = get_ipython().kernel.shell_handlers
_rlm_shortcut = _rlm_handlers["execute_request"]
_rlm_times = []
def _rlm_timed(stream, ident, parent, _handler=_rlm_shortcut, _clock=_rlm_time.perf_counter, _times=_rlm_times):
    t0 = _clock()
    try:
        return _handler(stream, ident, parent)
    finally:
        _times.append(_clock() - t0)
_rlm_handlers["execute_request"] = _rlm_timed
`;

/** Where a direct cell's time goes: the handler in the kernel, the host's CPU, the rest (ms, µs). */
type Breakdown = { roundTrip: number; handlerMs: number; hostCpuUs: number };

/**
 * Direct kernels, all on one kernel: the runtime's cell round trip as shipped; the same timed
 * inside the kernel (the handler) and on the host (CPU); with the prelude's shortcut off; a bare
 * `x = 1` over the same ZeroMQ channel.
 */
async function directRows(): Promise<{ shipped: Stats; noShortcut: Stats; bare: Stats; breakdown: Breakdown }> {
  const rt = new JupyterRuntime({ poolSize: 0, direct: true });
  try {
    const repl = await rt.open({ agentId: 'root', context: '', tools: [], maxOutputChars: 1000 });
    const host = async () => ({ ok: false as const, error: 'no host calls here' });
    let cell = 0;
    const agentCell = async () => {
      const r = await repl.execute('x = 1', host, { cell: cell++, timeoutMs: 30_000 });
      if (r.status !== 'ok') throw new Error(`cell ${cell - 1}: ${r.status} ${r.message ?? ''}`);
    };
    const times = async (run: () => Promise<unknown>, warmup = WARMUP) => {
      const ts: number[] = [];
      for (let i = 0; i < warmup + CELLS; i++) {
        const t0 = performance.now();
        await run();
        if (i >= warmup) ts.push(performance.now() - t0);
      }
      return stats(ts);
    };
    const shipped = await times(agentCell);
    await kernelCell(repl, TIME_HANDLER);
    const cpu0 = process.cpuUsage();
    const timed = await times(agentCell, 0);
    const cpu = process.cpuUsage(cpu0);
    const handler = await channelOf(repl).execute('', { t: '_rlm_times' }, IGNORE);
    const handlerTimes = (JSON.parse(String((handler.content.user_expressions as Record<string, { data: Record<string, string> }>).t!.data['text/plain'])) as number[]).map((t) => t * 1000);
    const breakdown = { roundTrip: timed.p50, handlerMs: stats(handlerTimes).p50, hostCpuUs: (cpu.user + cpu.system) / CELLS };
    await kernelCell(repl, '_rlm_handlers["execute_request"] = _rlm_shortcut.fallback');
    const noShortcut = await times(agentCell);
    const bare = await times(() => channelOf(repl).execute('x = 1', {}, IGNORE));
    await repl.close();
    return { shipped, noShortcut, bare, breakdown };
  } finally {
    await rt.close();
  }
}

type Row = { name: string; p50: number[]; p99: number[]; ratio: number[] };
const rows = new Map<string, Row>();
const add = (name: string, s: Stats, base: number) => {
  const row = rows.get(name) ?? { name, p50: [], p99: [], ratio: [] };
  row.p50.push(s.p50);
  row.p99.push(s.p99);
  row.ratio.push(s.p50 / base);
  rows.set(name, row);
};
const fmt = (n: number) => n.toFixed(2).padStart(8);

const breakdowns: (Breakdown & { clientCpuUs: number })[] = [];
const loadBefore = load();
const server = await LocalJupyterServer.start(); // as JupyterRuntime starts it (Nagle off); its start-up is in no figure
try {
  for (let round = 0; round < ROUNDS; round++) {
    const base = jupyterClient();
    add('jupyter_client over ZMQ (baseline)', base, base.p50);
    const direct = await directRows();
    add('JupyterRuntime direct (the local default)', direct.shipped, base.p50);
    add('  same, prelude shortcut off (IPython runs each message)', direct.noShortcut, base.p50);
    add('  bare `x = 1` over its ZeroMQ channel (the hop alone)', direct.bare, base.p50);
    breakdowns.push({ ...direct.breakdown, clientCpuUs: base.cpuUs });
    const viaServer = new JupyterRuntime({ url: server.info.baseUrl, token: server.info.token, poolSize: 0 });
    add('JupyterRuntime through a local jupyter-server', (await cellRoundTrips(viaServer, WARMUP, CELLS)).stats, base.p50);
    await viaServer.close();
  }
} finally {
  await server.stop();
}
if (args.all) {
  const base = jupyterClient();
  add('jupyter_client over ZMQ (baseline)', base, base.p50);
  const stock = await LocalJupyterServer.start({ nodelay: false });
  try {
    add('@jupyterlab/services KernelConnection, stock server', await plainServices(stock), base.p50);
    for (const [name, quickAck] of [
      ['JupyterRuntime, stock server, no quick ACK', false],
      ['JupyterRuntime, stock server, quick ACK', true],
    ] as const) {
      const rt = new JupyterRuntime({ url: stock.info.baseUrl, token: stock.info.token, poolSize: 0, quickAck });
      add(name, (await cellRoundTrips(rt, WARMUP, CELLS)).stats, base.p50);
      await rt.close();
    }
  } finally {
    await stock.stop();
  }
}

console.log(`\nTrivial cell round trip (x = 1), ${CELLS} cells after ${WARMUP} warm-up, ${ROUNDS} interleaved rounds, same ipykernel (load before ${loadBefore}, after ${load()})\n`);
const perRound = Math.max(9, ROUNDS * 5 - 1);
console.log(`| ${'client'.padEnd(58)} | p50 ms   | p99 ms   | p50 / jupyter_client | ${'per round'.padEnd(perRound)} |`);
console.log(`|${'-'.repeat(60)}|----------|----------|----------------------|${'-'.repeat(perRound + 2)}|`);
for (const r of rows.values()) {
  console.log(`| ${r.name.padEnd(58)} | ${fmt(median(r.p50))} | ${fmt(median(r.p99))} | ${median(r.ratio).toFixed(2).padStart(20)} | ${r.ratio.map((x) => x.toFixed(2)).join(' ').padEnd(perRound)} |`);
}
console.log('(p50 and p99: medians over rounds; --all rows: one round)');

const mid = (f: (b: (typeof breakdowns)[number]) => number) => median(breakdowns.map(f));
console.log(`\nWhere a direct cell's time goes (medians over rounds; the handler timed in the kernel, CPU on the host)\n`);
console.log('| part                                                              | value     |');
console.log('|-------------------------------------------------------------------|-----------|');
console.log(`| round trip p50 (ms)                                               | ${mid((b) => b.roundTrip).toFixed(2).padStart(9)} |`);
console.log(`| the prelude's execute_request handler in the kernel, p50 (ms)     | ${mid((b) => b.handlerMs).toFixed(2).padStart(9)} |`);
console.log(`| the rest (round trip - handler): ZeroMQ, ipykernel dispatch (ms) | ${mid((b) => b.roundTrip - b.handlerMs).toFixed(2).padStart(9)} |`);
console.log(`| host CPU per cell, all threads (µs)                               | ${mid((b) => b.hostCpuUs).toFixed(0).padStart(9)} |`);
console.log(`| jupyter_client's process CPU per cell, for comparison (µs)        | ${mid((b) => b.clientCpuUs).toFixed(0).padStart(9)} |`);

/** A root delegating CHILDREN children, each one cell; wall ms of the run. */
async function delegate20(runtime: Runtime): Promise<number> {
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

if (!args['no-pool']) {
  const pool: { name: string; ms: number; load: string }[] = [];
  for (const [name, direct, poolSize] of [
    [`direct, warm (${CHILDREN + 1} kernels started beforehand)`, true, CHILDREN + 1],
    ['direct, cold (pool 0: each child starts one)', true, 0],
    ['server, warm', false, CHILDREN + 1],
    ['server, cold', false, 0],
  ] as const) {
    const rt = new JupyterRuntime({ poolSize, direct });
    await rt.ready(); // the server's start-up and the warm pool are in no figure
    pool.push({ name, ms: await delegate20(rt), load: load() });
    await rt.close();
  }
  console.log(`\nA root delegating ${CHILDREN} children (one cell each), wall time of the run\n`);
  console.log(`| ${'pool'.padEnd(46)} | ms        | / direct warm | load             |`);
  console.log(`|${'-'.repeat(48)}|-----------|---------------|------------------|`);
  for (const p of pool) console.log(`| ${p.name.padEnd(46)} | ${p.ms.toFixed(0).padStart(9)} | ${(p.ms / pool[0]!.ms).toFixed(2).padStart(13)} | ${p.load.padEnd(16)} |`);
}
