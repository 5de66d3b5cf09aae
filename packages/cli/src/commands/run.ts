/** `rlmtree run "<query>" --context <file|dir|-> --model <spec>`: run an RLM and print its answer. */
import { Option, type Command } from 'commander';
import { Engine, totalUsage, type LLMClient, type Limits, type RunState, type TraceWriter } from '@rlmtree/core';
import { loadContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { lineView, ttyView } from '../live-view.ts';
import { modelFromSpec } from '../models.ts';
import { runtimeFromSpec } from '../runtimes.ts';
import { startTrace, traceConfig } from '../trace-file.ts';
import { usageReport } from '../usage-report.ts';

/** Options of `rlmtree run`, as parsed. */
export interface RunCommandOptions {
  context: string;
  model: string;
  subModel?: string;
  runtime: string;
  maxDepth?: number;
  maxIterations?: number;
  cellTimeout?: number;
  json?: boolean;
  live: boolean;
  /** Record every step to this JSONL trace file (see docs/traces.md). */
  trace?: string;
}

/** Runs the command; returns the exit code (0 answered, 3 ended without an answer). */
export async function runCommand(query: string, opts: RunCommandOptions): Promise<number> {
  const context = await loadContext(opts.context);
  const llm = await modelFromSpec(opts.model);
  const subLlm: LLMClient | undefined = opts.subModel ? await modelFromSpec(opts.subModel) : undefined;
  if (llm.name?.startsWith('scripted:')) {
    process.stderr.write(`note: the model is SCRIPTED (${llm.name}): its replies are fixed code from that file, not a language model\n`);
  }
  const limits: Partial<Limits> = {};
  if (opts.maxDepth !== undefined) limits.maxDepth = opts.maxDepth;
  if (opts.maxIterations !== undefined) limits.maxIterations = opts.maxIterations;
  if (opts.cellTimeout !== undefined) limits.cellTimeoutMs = Math.round(opts.cellTimeout * 1000);
  const runtime = await runtimeFromSpec(opts.runtime);
  const engine = new Engine({ llm, ...(subLlm ? { subLlm } : {}), runtime });
  const view = opts.live && process.stderr.isTTY ? ttyView(engine) : lineView(engine);
  let state: RunState;
  let trace: TraceWriter | undefined;
  try {
    let previous = engine.init(query, context, { limits });
    trace = opts.trace ? startTrace(opts.trace, previous, traceConfig(opts)) : undefined;
    view.start?.(previous);
    state = await engine.runFrom(previous, {
      onStep: (step) => {
        trace?.record(step, previous);
        view.update(step, previous);
        previous = step.state;
      },
    });
    view.finish(state);
  } finally {
    trace?.close();
    await engine.close();
    await runtime.close();
  }
  const root = state.nodes[state.rootId]!;
  const usage = totalUsage(state);
  process.stderr.write(`usage and cost (USD):\n${usageReport(state).map((l) => `  ${l}\n`).join('')}`);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ answer: root.result, error: root.error, usage, steps: state.step, agents: Object.keys(state.nodes).length }, null, 2)}\n`);
  } else if (!root.error) {
    process.stdout.write(`${typeof root.result === 'string' ? root.result : JSON.stringify(root.result, null, 2)}\n`);
  }
  if (root.error) {
    process.stderr.write(`rlmtree: the run ended without an answer: ${root.error.kind}: ${root.error.message}\n`);
    return 3;
  }
  return 0;
}

/** Parses a non-negative integer option. @throws CliError naming the option. */
export function intOption(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new CliError(`${name} takes a whole number, got ${JSON.stringify(value)}`);
    return Number(value);
  };
}

/** Adds `run` to the program. */
export function registerRun(cli: Command): void {
  cli
    .command('run')
    .description('answer a query over a long context with an RLM; the answer goes to stdout, progress to stderr')
    .argument('<query>', 'the question')
    .requiredOption('-c, --context <path>', 'a file (one text), a folder (one document per file) or - (stdin)')
    .requiredOption('-m, --model <spec>', 'root model: scripted:<file>, openai:<model>, anthropic:<model>')
    .option('--sub-model <spec>', 'model for llm_query sub-calls and child agents (default: --model)')
    .option('--runtime <name>', 'where agent code runs: subprocess', 'subprocess')
    .option('--max-depth <n>', 'deepest level of delegated agents (root = 0)', intOption('--max-depth'))
    .option('--max-iterations <n>', 'model replies per agent', intOption('--max-iterations'))
    .addOption(new Option('--cell-timeout <seconds>', 'time one cell may run').argParser(Number))
    .option('--json', 'print the answer, usage and run facts as JSON')
    .option('--no-live', 'plain progress lines even on a terminal')
    .option('--trace <file>', 'record every step to a JSONL trace (for replay, resume, view)')
    .action(async (query: string, opts) => {
      process.exitCode = await runCommand(query, opts);
    });
}
