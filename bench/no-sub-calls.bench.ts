/**
 * The RLM paper's "RLM (no sub-calls)" ablation beside the full RLM, measured in the same run
 * (issue 17). Run: `node bench/no-sub-calls.bench.ts [--sizes 2^13..2^16] [--task s-niah]`.
 *
 * Each size runs the task once with the scripted policies through real Python REPLs, with
 * sub-calls and with `maxSubCalls: 0` (the functions left out of the REPL and the prompt). With the
 * scripted models the table measures the machinery — S-NIAH is solvable in code, so both score;
 * the aggregation tasks need a sub-model to label text, so their ablation ends without an answer.
 * Same command with a real model (`--model`) is future work; `rlmtree bench <task> --no-sub-calls`
 * runs the ablation alone from the CLI.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { markdownTable } from 'markdown-table';
import { parseSizes, runBench, scriptedModels, sizeLabel, summarize, taskByName } from '@rlmtree/bench';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '2^13..2^16' }, task: { type: 'string', default: 's-niah' } } });
const sizes = parseSizes(values.sizes);
const task = taskByName(values.task);
const load = loadavg().map((l) => l.toFixed(2)).join(' ');

const runtime = new SubprocessRuntime();
const rows: string[][] = [];
try {
  const run = async (maxSubCalls: number | null) => {
    const results = await runBench({ task, sizes, n: 1, seed: 0, ...scriptedModels(task.name), windowTokens: 272_000, runtime, limits: { maxSubCalls } });
    return summarize(results).filter((s) => s.system === 'rlm');
  };
  const full = await run(null);
  const ablated = await run(0);
  for (const f of full) {
    const a = ablated.find((s) => s.sizeTokens === f.sizeTokens)!;
    rows.push([
      sizeLabel(f.sizeTokens),
      `${(f.score * 100).toFixed(0)}%`,
      `${(a.score * 100).toFixed(0)}%`,
      f.llmCalls.toFixed(0),
      a.llmCalls.toFixed(0),
      (f.wallMs / 1000).toFixed(2),
      (a.wallMs / 1000).toFixed(2),
      `${(a.wallMs / f.wallMs).toFixed(2)}x`,
    ]);
  }
} finally {
  await runtime.close();
}
process.stdout.write(`${task.name}: RLM vs RLM (no sub-calls), scripted models, load average ${load} (before) / ${loadavg().map((l) => l.toFixed(2)).join(' ')} (after)\n\n`);
process.stdout.write(`${markdownTable([['size', 'RLM score', 'no sub-calls score', 'RLM model calls', 'no sub-calls model calls', 'RLM wall s', 'no sub-calls wall s', 'wall ratio'], ...rows])}\n`);
