/**
 * Sub-call benchmark (issue 6). Run: `node bench/subcalls.bench.ts`.
 *
 * One agent cell calls `llm_query_batched` with 1,000 prompts. Sub-calls go through the real
 * `OpenAIClient` (the `openai` SDK over HTTP) to a local OpenAI-compatible server that answers
 * each call after 50 ms. For each configured bound (the engine's `subCallConcurrency`) the table
 * shows, measured in the same run:
 *   - cell: wall time of the cell (REPL already warm: a first cell opened it),
 *   - direct: the same 1,000 calls made straight through `OpenAIClient` with the same bound
 *     (p-limit), no engine or REPL, as the baseline,
 * The server runs in its own process (bench/fake-openai.child.ts).
 *   - ideal: calls / bound x latency,
 *   - max in flight: the most calls the server saw at once, which must never exceed the bound.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { Engine, ScriptedLLM, type RunState } from '@rlmtree/core';
import { OpenAIClient } from '@rlmtree/openai';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const CALLS = 1000;
const LATENCY_MS = 50;
const BOUNDS = [8, 16, 32, 64];
const block = (code: string) => '```repl\n' + code + '\n```';

const child = fork(join(import.meta.dirname, 'fake-openai.child.ts'), [String(LATENCY_MS)], { stdio: 'inherit' });
const replies: ((msg: { baseURL?: string; peak?: number }) => void)[] = [];
child.on('message', (msg: { baseURL?: string; peak?: number }) => replies.shift()?.(msg));
const ask = (op?: 'reset' | 'peak') =>
  new Promise<{ baseURL?: string; peak?: number }>((resolve) => {
    replies.push(resolve);
    if (op) child.send({ op });
  });
const { baseURL } = await ask();
const runtime = new SubprocessRuntime();
const sub = new OpenAIClient({ model: 'bench-mini', baseURL: baseURL!, maxRetries: 0 });

/** Runs `work` and returns its wall time and the server's peak of concurrent calls during it. */
async function measured(work: () => Promise<void>): Promise<{ ms: number; peak: number }> {
  await ask('reset');
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  return { ms, peak: (await ask('peak')).peak! };
}

async function cellRun(bound: number): Promise<{ ms: number; peak: number }> {
  const root = new ScriptedLLM([
    block('print("warm")'),
    block(`r = llm_query_batched([f"q{i}" for i in range(${CALLS})])\nok = sum(1 for i, x in enumerate(r) if x == f"a:q{i}")\ndone(ok)`),
  ]);
  const engine = new Engine({ llm: root, subModel: sub, runtime, subCallConcurrency: bound });
  try {
    let state: RunState = engine.init('bench', 'ctx');
    for (let i = 0; i < 3; i++) state = await engine.step(state); // llm, warm cell (opens the REPL), llm
    const result = await measured(async () => {
      state = await engine.step(state); // the batch cell
    });
    const node = state.nodes[state.rootId]!;
    if (node.result !== CALLS) throw new Error(`bound ${bound}: expected ${CALLS} right answers, got ${JSON.stringify(node.result ?? node.error)}`);
    return result;
  } finally {
    await engine.close();
  }
}

function directRun(bound: number): Promise<{ ms: number; peak: number }> {
  const limit = pLimit(bound);
  return measured(async () => {
    await Promise.all(Array.from({ length: CALLS }, (_, i) => limit(() => sub.complete({ messages: [{ role: 'user', content: `q${i}` }] }))));
  });
}

const rows: string[][] = [];
let violations = 0;
try {
  for (const bound of BOUNDS) {
    const ideal = (CALLS / bound) * LATENCY_MS;
    const direct = await directRun(bound);
    const cell = await cellRun(bound);
    const ok = cell.peak <= bound && direct.peak <= bound;
    if (!ok) violations++;
    rows.push([
      String(bound),
      cell.ms.toFixed(0),
      direct.ms.toFixed(0),
      ideal.toFixed(0),
      (cell.ms / ideal).toFixed(2),
      (cell.ms / direct.ms).toFixed(2),
      String(cell.peak),
      ok ? 'yes' : 'NO',
    ]);
  }
} finally {
  await runtime.close();
  child.send({ op: 'close' });
}

const head = ['bound', 'cell ms', 'direct ms', 'ideal ms', 'cell/ideal', 'cell/direct', 'max in flight', 'within bound'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
console.log(`llm_query_batched: ${CALLS} sub-calls, ${LATENCY_MS} ms latency per call, OpenAIClient over HTTP to a local server`);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
if (violations) {
  console.error(`${violations} configuration(s) exceeded the concurrency bound`);
  process.exitCode = 1;
}
