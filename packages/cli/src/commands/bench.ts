/**
 * `rlmtree bench <task> --model <spec>`: runs the RLM paper's task families (S-NIAH, OOLONG,
 * OOLONG-Pairs) generated offline, N instances per context size, scores them, writes one trace per
 * RLM run plus results.json / results.csv, and prints a table per size and the root prompt size
 * table (flat for the RLM, linear for the baseline). `--model scripted` uses the built-in scripted
 * policies (no API key: it measures the machinery).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { TraceWriter, type LLMClient, type Limits } from '@rlmtree/core';
import {
  baselinePrompt,
  parseSizes,
  promptTable,
  resultsCsv,
  runBench,
  scriptedModels,
  sizeLabel,
  sizeTables,
  summarize,
  taskByName,
  TASKS,
  type InstanceResult,
  type TaskSpec,
  instances,
  runBaseline,
} from '@rlmtree/bench';
import { runBenchOnWorkers } from '../bench-workers.ts';
import { openQueue } from '../postgres.ts';
import { CliError } from '../errors.ts';
import { modelFromSpec } from '../models.ts';
import { commandHelp } from '../help-text.ts';
import { addLimitFlags, limitsFromFlags, wholeNumber, type LimitFlags } from '../limit-flags.ts';
import { addRuntimeFlag, checkedRuntime } from '../runtimes.ts';
import { requireOptions } from './run.ts';

/** Options of `rlmtree bench`, as parsed. */
export interface BenchCommandOptions extends LimitFlags {
  model: string;
  subModel?: string;
  baseline?: boolean;
  baselineModel?: string;
  window: number;
  sizes: string;
  n: number;
  seed: number;
  runtime: string;
  out?: string;
  traces: boolean;
  /** A PostgreSQL URL: the RLM runs go to `rlmtree worker` processes on that queue. */
  workers?: string;
  schema?: string;
}

/**
 * GPT-5's input window in tokens (OpenAI's model page: 400,000 context = 272,000 input + 128,000
 * output), the base model of the paper's Table 1.
 */
export const DEFAULT_WINDOW_TOKENS = 272_000;

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

function progress(r: InstanceResult): string {
  const what = r.error ? `no answer (${r.error.slice(0, 100)})` : `score ${(r.score * 100).toFixed(1)}%`;
  return `${r.instance} ${r.system}: ${what}, ${r.llmCalls} LLM calls, root prompt ${r.rootPromptChars.toLocaleString('en-US')} chars, ${(r.wallMs / 1000).toFixed(2)} s\n`;
}

/** Runs the command; returns the exit code (0 when every run answered, 3 when some did not). */
export async function benchCommand(taskName: string, opts: BenchCommandOptions): Promise<number> {
  let task;
  let sizes: number[];
  try {
    task = taskByName(taskName);
    sizes = parseSizes(opts.sizes);
    baselinePrompt('', '', opts.window);
  } catch (err) {
    throw new CliError(`bench: ${(err as Error).message}`);
  }
  if (opts.n < 1) throw new CliError('bench: --n must be at least 1');
  const scripted = opts.model === 'scripted' ? scriptedModels(task.name) : null;
  const llm: LLMClient = scripted ? scripted.llm : await modelFromSpec(opts.model);
  const subModel: LLMClient | undefined = opts.subModel ? await modelFromSpec(opts.subModel) : (scripted?.subModel ?? undefined);
  const baselineLlm: LLMClient | undefined = !opts.baseline
    ? undefined
    : opts.baselineModel
      ? await modelFromSpec(opts.baselineModel)
      : (scripted?.baselineLlm ?? llm);
  if (scripted || llm.name?.startsWith('scripted')) {
    process.stderr.write('note: the models are SCRIPTED: fixed code and an oracle labeller, not a language model; scores measure the machinery, not model quality\n');
  }
  const out = opts.out ?? join('bench-results', `${task.name}-${stamp()}`);
  const traceDir = join(out, 'traces');
  const traced = opts.traces && !opts.workers;
  mkdirSync(traced ? traceDir : out, { recursive: true });
  const limits = limitsFromFlags(opts);

  let results: InstanceResult[];
  if (opts.workers) {
    results = await benchOnWorkers(task, sizes, limits, baselineLlm, opts);
  } else {
    const runtime = await checkedRuntime(opts.runtime);
    try {
      results = await runBench({
        task,
        sizes,
        n: opts.n,
        seed: opts.seed,
        llm,
        ...(subModel ? { subModel } : {}),
        ...(baselineLlm ? { baselineLlm } : {}),
        windowTokens: opts.window,
        runtime,
        limits,
        record: (instance, initial) => {
          if (!opts.traces) return { onStep: () => {}, close: () => {} };
          const writer = TraceWriter.create(join(traceDir, `${instance.id}.jsonl`), initial, {
            overwrite: true,
            config: { command: 'bench', task: task.name, instance: instance.id, seed: instance.seed, model: opts.model, gold: instance.gold },
          });
          return { onStep: writer.follow(initial), close: () => writer.close() };
        },
        onResult: (r) => process.stderr.write(progress(r)),
      });
    } finally {
      await runtime.close();
    }
  }

  const summaries = summarize(results);
  const cut = summaries.filter((s) => s.system === 'baseline' && s.contextInPrompt < 1);
  writeFileSync(
    join(out, 'results.json'),
    `${JSON.stringify({ task: task.name, model: opts.model, subModel: opts.subModel ?? null, baselineModel: opts.baseline ? (opts.baselineModel ?? opts.model) : null, windowTokens: opts.window, seed: opts.seed, n: opts.n, sizes, summaries, results }, null, 2)}\n`,
  );
  writeFileSync(join(out, 'results.csv'), resultsCsv(results));

  const lines = [`# rlmtree bench ${task.name} (model ${opts.model}, seed ${opts.seed}, ${opts.n} per size)`, '', sizeTables(summaries), '', 'Root model prompt size (largest single prompt; tokens estimated as chars / 4):', promptTable(summaries)];
  if (cut.length) {
    lines.push('', `note: the baseline's context was cut in the middle to fit its ${opts.window.toLocaleString('en-US')}-token window at ${cut.map((s) => `${sizeLabel(s.sizeTokens)} (${(s.contextInPrompt * 100).toFixed(0)}% kept)`).join(', ')}`);
  }
  lines.push('', `results: ${join(out, 'results.json')}, ${join(out, 'results.csv')}${traced ? `; traces: ${traceDir}/` : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return results.some((r) => r.error !== null) ? 3 : 0;
}

/**
 * The RLM runs on the workers of the `--workers` queue (they must run the same models: for
 * `--model scripted`, `rlmtree worker --model bench:<task> --sub-model bench:sub`); the baseline,
 * when asked for, runs here. Traces are not written (the steps are in PostgreSQL).
 */
async function benchOnWorkers(task: TaskSpec, sizes: number[], limits: Partial<Limits>, baselineLlm: LLMClient | undefined, opts: BenchCommandOptions): Promise<InstanceResult[]> {
  const queue = await openQueue({ postgres: opts.workers!, ...(opts.schema ? { schema: opts.schema } : {}) });
  const { describeUrl } = await import('@rlmtree/postgres');
  process.stderr.write(`bench: submitting the RLM runs to the workers of ${describeUrl(opts.workers!)}\n`);
  try {
    const rlm = await runBenchOnWorkers(queue, { task, sizes, n: opts.n, seed: opts.seed, limits, prefix: `bench-${stamp()}`, onResult: (r) => process.stderr.write(progress(r)) });
    if (!baselineLlm) return rlm;
    const results: InstanceResult[] = [];
    const list = [...instances(task, sizes, opts.n, opts.seed)];
    for (const [k, instance] of list.entries()) {
      results.push(rlm[k]!);
      const base = await runBaseline(instance, baselineLlm, opts.window);
      process.stderr.write(progress(base));
      results.push(base);
    }
    return results;
  } finally {
    await queue.close();
  }
}

/** Adds `bench` to the program. */
export function registerBench(cli: Command): void {
  const command = cli
    .command('bench')
    .description('run a long-context benchmark task (generated offline, scored) through the RLM, and optionally the base model')
    .argument('<task>', `one of: ${Object.keys(TASKS).join(', ')}`)
    .option('-m, --model <spec>', 'root model [required]: scripted (built-in policies, no API key), openai:<model>, anthropic:<model>, scripted:<file>')
    .option('--sub-model <spec>', 'model for sub-calls and child agents (default: --model; with scripted, the scripted sub-model)')
    .option('--sizes <list>', 'context sizes in tokens: 8192, 8k, 2^13, or a range 2^13..2^20', '2^13,2^14')
    .option('--n <N>', 'instances per size', wholeNumber(1), 3)
    .option('--seed <S>', 'seed of the generated instances', wholeNumber(0), 0)
    .option('--baseline', 'also run the base model with the whole context in its prompt (cut to --window)')
    .option('--baseline-model <spec>', 'the base model (default: --model; with scripted, the scripted base model)')
    .addOption(new Option('--window <tokens>', "the base model's context window in tokens").argParser(wholeNumber(1)).default(DEFAULT_WINDOW_TOKENS));
  addRuntimeFlag(command);
  command.option('--out <dir>', 'folder for results.json, results.csv and traces/ (default bench-results/<task>-<time>)').option('--no-traces', 'do not write a trace per RLM run');
  addLimitFlags(command);
  command
    .option('--workers <postgres-url>', 'spread the RLM runs over `rlmtree worker` processes on this PostgreSQL queue (docs/distributed.md)')
    .option('--schema <name>', 'with --workers: the Postgres schema of the queue', 'rlmtree')
    .addHelpText('after', commandHelp('bench', ['rlmtree bench oolong --model scripted --sizes 2^13,2^14 --baseline', 'rlmtree bench s-niah --model openai:gpt-5 --sub-model openai:gpt-5-mini --sizes 2^13..2^16 --n 5']))
    .action(async (taskName: string, opts) => {
      requireOptions(command, opts, ['model']);
      process.exitCode = await benchCommand(taskName, opts);
    });
}
