/**
 * The RLM paper's property, measured (issue 8). Run: `node bench/paper-tasks.bench.ts
 * [--sizes 2^13..2^20]`.
 *
 * Each task (S-NIAH, OOLONG, OOLONG-Pairs) runs once per context size with the scripted policies
 * through real Python REPLs, and once through the scripted base model with the whole context in
 * its prompt (cut to a 272,000-token window). For each size the table shows, measured in the same
 * run, the root model's largest prompt for the RLM and the base model's prompt with the whole
 * context (estimated tokens, chars / 4), each as a ratio to the smallest size's. The RLM's must
 * stay flat (ratio <= 1.10) and the baseline's grow linearly (ratio within 5% of the context's).
 */
import { parseArgs } from 'node:util';
import { markdownTable } from 'markdown-table';
import { parseSizes, runBench, scriptedModels, sizeLabel, summarize, TASKS } from '@rlmtree/bench';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '2^13..2^20' } } });
const sizes = parseSizes(values.sizes);
const WINDOW = 272_000;

const runtime = new SubprocessRuntime();
const rows: string[][] = [];
const failures: string[] = [];
try {
  for (const task of Object.values(TASKS)) {
    const t0 = performance.now();
    const results = await runBench({ task, sizes, n: 1, seed: 0, ...scriptedModels(task.name), windowTokens: WINDOW, runtime });
    const seconds = (performance.now() - t0) / 1000;
    const summaries = summarize(results);
    const rlm = summaries.filter((s) => s.system === 'rlm');
    const base = new Map(summaries.filter((s) => s.system === 'baseline').map((s) => [s.sizeTokens, s]));
    const first = rlm[0]!;
    for (const s of rlm) {
      const b = base.get(s.sizeTokens)!;
      const rlmRatio = s.rootPromptChars / first.rootPromptChars;
      const baseRatio = s.fullPromptChars / first.fullPromptChars;
      const sizeRatio = s.sizeTokens / first.sizeTokens;
      if (rlmRatio > 1.1) failures.push(`${task.name} ${sizeLabel(s.sizeTokens)}: RLM root prompt grew ${rlmRatio.toFixed(2)}x`);
      if (Math.abs(baseRatio / sizeRatio - 1) > 0.05) failures.push(`${task.name} ${sizeLabel(s.sizeTokens)}: baseline prompt grew ${baseRatio.toFixed(2)}x for ${sizeRatio}x context`);
      if (s.score < 1) failures.push(`${task.name} ${sizeLabel(s.sizeTokens)}: RLM scored ${(s.score * 100).toFixed(1)}%`);
      rows.push([
        task.name,
        sizeLabel(s.sizeTokens),
        `${(s.score * 100).toFixed(0)}%`,
        `${(b.score * 100).toFixed(0)}%`,
        Math.round(s.rootPromptTokens).toLocaleString('en-US'),
        `${rlmRatio.toFixed(2)}x`,
        Math.ceil(s.fullPromptChars / 4).toLocaleString('en-US'),
        `${baseRatio.toFixed(2)}x`,
        `${(b.contextInPrompt * 100).toFixed(0)}%`,
        s.llmCalls.toFixed(0),
        (s.wallMs / 1000).toFixed(2),
      ]);
    }
    process.stderr.write(`${task.name}: ${sizes.length} sizes in ${seconds.toFixed(1)} s\n`);
  }
} finally {
  await runtime.close();
}

process.stdout.write(
  `${markdownTable(
    [['task', 'context tokens', 'RLM score', 'baseline score', 'RLM root prompt tok', 'RLM ratio', 'baseline prompt tok', 'baseline ratio', `baseline kept (${WINDOW.toLocaleString('en-US')} window)`, 'RLM LLM calls', 'RLM wall s'], ...rows],
    { align: ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] },
  )}\n`,
);
process.stdout.write(failures.length ? `FAIL:\n${failures.map((f) => `  ${f}\n`).join('')}` : 'PASS: the RLM root prompt stays flat; the baseline prompt grows linearly with the context\n');
process.exitCode = failures.length ? 1 : 0;
