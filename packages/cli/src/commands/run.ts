/** `rlmtree run "<query>" --context <file|dir|-> --model <spec>`: run an RLM and print its answer. */
import { Option, type Command } from 'commander';
import { createSession, type LLMClient, type Limits } from '@rlmtree/core';
import { loadContextFiles, skippedReport } from '../context.ts';
import { loadResultSchema } from '../result-schema.ts';
import { loadPromptOptions } from '../prompt-options.ts';
import { CliError } from '../errors.ts';
import { driveRun, reportRun } from '../drive.ts';
import { MODEL_TIMEOUT_HELP, modelFromSpec, modelTimeoutOption } from '../models.ts';
import { runtimeFromSpec } from '../runtimes.ts';
import { startTrace, traceConfig } from '../trace-file.ts';

/** Options of `rlmtree run`, as parsed. */
export interface RunCommandOptions {
  context: string;
  model: string;
  subModel?: string;
  runtime: string;
  maxDepth?: number;
  maxIterations?: number;
  cellTimeout?: number;
  /** Time one model HTTP attempt may take (ms, parsed from seconds). */
  modelTimeout?: number;
  json?: boolean;
  live: boolean;
  /** Record every step to this JSONL trace file (see docs/traces.md). */
  trace?: string;
  /** A JSON Schema file the answer must match (`done()` values that do not are refused). */
  resultSchema?: string;
  /** Cap on a folder context's size (MB). */
  maxContextMb?: number;
  /** A built-in prompt variant (default, minimal, cost-warning, compat). */
  prompt?: string;
  /** A custom system prompt template file (or a `.json` prompt config). */
  systemPrompt?: string;
}

/** Runs the command; returns the exit code (0 answered, 3 ended without an answer). */
export async function runCommand(query: string, opts: RunCommandOptions): Promise<number> {
  const loaded = await loadContextFiles(opts.context, { ...(opts.maxContextMb !== undefined ? { maxBytes: opts.maxContextMb * 1024 * 1024 } : {}) });
  for (const line of skippedReport(loaded.skipped)) process.stderr.write(`${line}\n`);
  const { context, paths } = loaded;
  const resultSchema = opts.resultSchema !== undefined ? await loadResultSchema(opts.resultSchema) : undefined;
  const prompt = await loadPromptOptions(opts.prompt, opts.systemPrompt);
  const modelOptions = opts.modelTimeout !== undefined ? { timeoutMs: opts.modelTimeout } : {};
  const llm = await modelFromSpec(opts.model, modelOptions);
  const subLlm: LLMClient | undefined = opts.subModel ? await modelFromSpec(opts.subModel, modelOptions) : undefined;
  if (llm.name?.startsWith('scripted:')) {
    process.stderr.write(`note: the model is SCRIPTED (${llm.name}): its replies are fixed code from that file, not a language model\n`);
  }
  const limits: Partial<Limits> = {};
  if (opts.maxDepth !== undefined) limits.maxDepth = opts.maxDepth;
  if (opts.maxIterations !== undefined) limits.maxIterations = opts.maxIterations;
  if (opts.cellTimeout !== undefined) limits.cellTimeoutMs = Math.round(opts.cellTimeout * 1000);
  // A one-turn session: `rlmtree chat --resume <trace>` can go on with it.
  const start = createSession(query, context, { limits, ...(paths ? { contextPaths: paths } : {}), ...(resultSchema !== undefined ? { resultSchema } : {}), ...(prompt ? { prompt } : {}) });
  const trace = opts.trace ? startTrace(opts.trace, start, traceConfig(opts)) : undefined;
  // Started last: from here on, driveRun closes it whatever happens.
  const runtime = await runtimeFromSpec(opts.runtime);
  const state = await driveRun(start, { llm, ...(subLlm ? { subLlm } : {}), runtime, live: opts.live, ...(trace ? { trace } : {}) });
  return reportRun(state, opts.json ?? false);
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
    .option('--runtime <name>', 'where agent code runs: subprocess, docker[=<image>], jupyter[=<url>], pyodide, or a plugin\'s', 'subprocess')
    .option('--max-depth <n>', 'deepest level of delegated agents (root = 0)', intOption('--max-depth'))
    .option('--max-iterations <n>', 'model replies per agent', intOption('--max-iterations'))
    .addOption(new Option('--cell-timeout <seconds>', 'time one cell may run').argParser(Number))
    .option('--model-timeout <seconds>', MODEL_TIMEOUT_HELP, modelTimeoutOption)
    .option('--json', 'print the answer, usage and run facts as JSON')
    .option('--no-live', 'plain progress lines even on a terminal')
    .option('--trace <file>', 'record every step to a JSONL trace (for replay, resume, view)')
    .addOption(new Option('--max-context-mb <n>', 'cap on the size of a folder context (default 256)').argParser(Number))
    .option('--prompt <variant>', 'built-in system prompt: default, minimal, cost-warning, compat (the official RLM\'s context / FINAL / FINAL_VAR)')
    .option('--system-prompt <file>', 'a custom system prompt template with {{slots}} (see docs/prompts.md), or a .json prompt config with per-depth prompts')
    .option('--result-schema <file>', 'a JSON Schema file the answer must match; done() with another value is refused back to the model')
    .action(async (query: string, opts) => {
      process.exitCode = await runCommand(query, opts);
    });
}
