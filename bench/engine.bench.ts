/**
 * Engine benchmark (issues 2 and 18). Run: `node --conditions=@rlmtree/source bench/engine.bench.ts`
 * (everything), `... --targets [--installed DIR] [--baseline DIR]` (issue 18's engine and start-up targets only,
 * about a minute; DIR: see bench/lib/startup.ts),
 * `... --cells` (the trivial cell only).
 *
 * 1. A root delegates N children (N = 10, 100, 500); each child runs two cells then done, with a
 *    ScriptedLLM answering instantly. Each configuration runs in its own process (so peak RSS is
 *    its own), once on an in-memory runtime (the engine's own cost per agent transition) and once
 *    on the real subprocess runtime.
 * 2. The round trip of a trivial cell (`x = 1`) on the subprocess runtime, p50/p99, next to a
 *    bare JSON-lines echo over a pipe to python3, measured in the same run.
 * 3. Issue 18 (`--targets`, `bench/lib/targets.ts`): in-memory engine CPU per transition at
 *    N = 10 / 500 / 5,000, each in a fresh process on the built packages (`npm run build` first;
 *    N = 10's first run: min and median of 5 processes); a one-agent step at 101 and 5,001 agents
 *    (reducer alone and whole `Engine.step`), interleaved; the ways to make the next `nodes`
 *    record measured side by side; CPU of `import '@rlmtree/core'` and `rlmtree --help` against
 *    bare node, in fresh processes, interleaved.
 * Targets: engine overhead at N = 500 under 1 ms per agent transition; trivial cell within 3x of
 * the bare echo; issue 18's, printed with each row.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Engine, ScriptedLLM, type RunState } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { FakeRuntime } from '@rlmtree/core/testing';
import { cellRoundTrips, percentile } from './lib/cells.ts';
import { cpuOne, targets } from './lib/targets.ts';

const block = (code: string) => '```repl\n' + code + '\n```';

function childPolicy(fake: boolean) {
  return new ScriptedLLM({
    rules: [
      { match: '^Query: child', replies: fake ? [block('A'), block('B'), block('DONE 1')] : [block('a = 1'), block('b = a + 1'), block('done(b)')] },
      {
        match: '^Query: ',
        replies: [
          fake
            ? block(`DELEGATE ${N}`)
            : block(`hs = [delegate(f"c{i}", "child") for i in range(${N})]\nres = yield wait(hs)\ndone(len(res))`),
        ],
      },
    ],
  });
}

let N = 0;

/** One configuration, in this process: prints a JSON line. */
async function one(n: number, mode: 'fake' | 'subprocess'): Promise<void> {
  N = n;
  const runtime = mode === 'fake' ? new FakeRuntime() : new SubprocessRuntime({ poolSize: 4 });
  const llm = childPolicy(mode === 'fake');
  const engine = new Engine({ llm, runtime, concurrency: 8 });
  let transitions = 0;
  const t0 = performance.now();
  const final: RunState = await engine.run('root', 'context', {
    limits: { maxDepth: 1 },
    onStep: ({ events }) => {
      transitions += events.filter((e) => e.type !== 'step_ended').length;
    },
  });
  const wall = performance.now() - t0;
  await engine.close();
  await runtime.close();
  const stateBytes = Buffer.byteLength(JSON.stringify(final));
  console.log(
    JSON.stringify({ n, mode, wallMs: wall, steps: final.step, llmCalls: llm.callCount, transitions, perTransitionMs: wall / transitions, maxRssMb: process.resourceUsage().maxRSS / 1024, stateBytes, result: final.nodes.root!.result }),
  );
}


/** Round trips discarded before measuring, so both sides run JIT-warm code. */
const WARMUP = 1000;

async function roundTrips(iterations: number): Promise<{ cell: number[]; echo: number[] }> {
  // The bare baseline: python3 reading a JSON line and writing one back, no prelude.
  const echo = spawn('python3', ['-u', '-c', 'import sys, json\nfor line in sys.stdin:\n    m = json.loads(line)\n    sys.stdout.write(json.dumps({"type": "cell_end", "cell": m["cell"]}) + "\\n")\n    sys.stdout.flush()'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: echo.stdout });
  const iter = lines[Symbol.asyncIterator]();
  const echoTimes: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    echo.stdin.write(JSON.stringify({ type: 'exec', cell: i, code: 'x = 1' }) + '\n');
    await iter.next();
    echoTimes.push(performance.now() - t);
  }
  echo.kill();
  const runtime = new SubprocessRuntime();
  const { times: cellTimes } = await cellRoundTrips(runtime, 0, iterations);
  await runtime.close();
  return { cell: cellTimes.slice(WARMUP), echo: echoTimes.slice(WARMUP) };
}

/** The value after `flag` (`--installed DIR`, `--baseline DIR`: see bench/lib/startup.ts), or undefined. */
function flagValue(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at < 0 ? undefined : process.argv[at + 1];
}

async function main(): Promise<void> {
  const [flag, n, mode] = process.argv.slice(2);
  if (flag === '--one') return one(Number(n), mode as 'fake' | 'subprocess');
  if (flag === '--cpu') return cpuOne(Number(n), process.argv.includes('--warm'));
  if (flag === '--targets') return targets(import.meta.filename, flagValue('--installed'), flagValue('--baseline'));
  if (flag !== '--cells') {
    await trees();
    await targets(import.meta.filename);
  }
  await cells();
}

async function trees(): Promise<void> {
  const rows: Record<string, number | string>[] = [];
  for (const size of [10, 100, 500]) {
    for (const m of ['fake', 'subprocess']) {
      const out = execFileSync(process.execPath, [import.meta.filename, '--one', String(size), m], { encoding: 'utf8', maxBuffer: 1 << 26 });
      rows.push(JSON.parse(out.trim().split('\n').at(-1)!));
    }
  }
  console.log('\nDelegating N children, two cells each then done (ScriptedLLM, instant):\n');
  console.log('| N | runtime | wall (ms) | steps | LLM calls | transitions | ms / transition | peak RSS (MB) | state JSON (KB) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.n} | ${r.mode === 'fake' ? 'in-memory (engine only)' : 'subprocess (python3)'} | ${(r.wallMs as number).toFixed(0)} | ${r.steps} | ${r.llmCalls} | ${r.transitions} | ${(r.perTransitionMs as number).toFixed(3)} | ${(r.maxRssMb as number).toFixed(0)} | ${((r.stateBytes as number) / 1024).toFixed(0)} |`,
    );
  }
  const engine500 = rows.find((r) => r.n === 500 && r.mode === 'fake')!;
  console.log(`\nEngine overhead at N = 500: ${(engine500.perTransitionMs as number).toFixed(3)} ms per agent transition (target < 1 ms): ${(engine500.perTransitionMs as number) < 1 ? 'met' : 'NOT met'}`);

}

async function cells(): Promise<void> {
  const { cell, echo } = await roundTrips(WARMUP + 2000);
  const sc = [...cell].sort((a, b) => a - b);
  const se = [...echo].sort((a, b) => a - b);
  console.log(`\nTrivial cell round trip (2,000 after ${WARMUP} warm-up):\n`);
  console.log('| what | p50 (ms) | p99 (ms) |');
  console.log('|---|---|---|');
  console.log(`| subprocess runtime, \`x = 1\` | ${percentile(sc, 50).toFixed(3)} | ${percentile(sc, 99).toFixed(3)} |`);
  console.log(`| bare JSON-lines echo to python3 | ${percentile(se, 50).toFixed(3)} | ${percentile(se, 99).toFixed(3)} |`);
  const ratio = percentile(sc, 50) / percentile(se, 50);
  console.log(`| ratio (p50) | ${ratio.toFixed(2)}x | target <= 3x: ${ratio <= 3 ? 'met' : 'NOT met'} |`);
}

await main();
