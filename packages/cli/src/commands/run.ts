/** `rlmtree run "<query>" --context <file|dir|-> --model <spec>`: run an RLM and print its answer. */
import { Option, type Command } from 'commander';
import { createSession, type LLMClient } from '@rlmtree/core';
import { loadContextFiles, skippedReport } from '../context.ts';
import { loadResultSchema } from '../result-schema.ts';
import { loadPromptOptions } from '../prompt-options.ts';
import { collect, loadTools, toolSpecs } from '../tools.ts';
import { driveRun, reportRun } from '../drive.ts';
import { commandHelp, MODEL_HELP } from '../help-text.ts';
import { addLimitFlags, limitsFromFlags, positiveNumber, wholeNumber, type LimitFlags } from '../limit-flags.ts';
import { addCacheFlags, subCallCacheFromFlags, type CacheFlags } from '../cache-flags.ts';
import { MODEL_TIMEOUT_HELP, modelFromSpec, modelTimeoutOption } from '../models.ts';
import { addRuntimeFlag, checkedRuntime } from '../runtimes.ts';
import { checkTraceFree, startTrace, traceConfig } from '../trace-file.ts';

/** Options of `rlmtree run`, as parsed. */
export interface RunCommandOptions extends LimitFlags, CacheFlags {
  context: string;
  model: string;
  subModel?: string;
  runtime: string;
  /** Time one model HTTP attempt may take (ms, parsed from seconds). */
  modelTimeout?: number;
  json?: boolean;
  live: boolean;
  /** Record every step to this JSONL trace file (see docs/traces.md). */
  trace?: string;
  /** A JSON Schema file the answer must match (`done()` values that do not are refused). */
  resultSchema?: string;
  /** `--tools` files or folders of tool modules. */
  tools?: string[];
  /** `--workspace`: the folder the built-in file tools work in. */
  workspace?: string;
  /** `--workspace-write`: add write_file. */
  workspaceWrite?: boolean;
  /** Cap on a folder context's size (MB). */
  maxContextMb?: number;
  /** A built-in prompt variant (default, minimal, cost-warning, compat). */
  prompt?: string;
  /** A custom system prompt template file (or a `.json` prompt config). */
  systemPrompt?: string;
}

/** Runs the command; returns the exit code (0 answered, 3 ended without an answer, 130 interrupted). */
export async function runCommand(query: string, opts: RunCommandOptions): Promise<number> {
  const loaded = await loadContextFiles(opts.context, { ...(opts.maxContextMb !== undefined ? { maxBytes: opts.maxContextMb * 1024 * 1024 } : {}) });
  for (const line of skippedReport(loaded.skipped)) process.stderr.write(`${line}\n`);
  const { context, paths } = loaded;
  const resultSchema = opts.resultSchema !== undefined ? await loadResultSchema(opts.resultSchema) : undefined;
  const prompt = await loadPromptOptions(opts.prompt, opts.systemPrompt);
  const tools = await loadTools(opts.tools ?? [], opts.workspace ? { dir: opts.workspace, write: opts.workspaceWrite ?? false } : undefined);
  const modelOptions = opts.modelTimeout !== undefined ? { timeoutMs: opts.modelTimeout } : {};
  const llm = await modelFromSpec(opts.model, modelOptions);
  const subModel: LLMClient | undefined = opts.subModel ? await modelFromSpec(opts.subModel, modelOptions) : undefined;
  if (llm.name?.startsWith('scripted:')) {
    process.stderr.write(`note: the model is SCRIPTED (${llm.name}): its replies are fixed code from that file, not a language model\n`);
  }
  // The runtime's prerequisites (python3, a Docker daemon and image, Jupyter) are checked before
  // the first model call is paid for.
  if (opts.trace) checkTraceFree(opts.trace);
  const runtime = await checkedRuntime(opts.runtime);
  // A one-turn session: `rlmtree chat --resume <trace>` can go on with it.
  const start = createSession(query, context, { limits: limitsFromFlags(opts), tools: toolSpecs(tools), ...(paths ? { contextPaths: paths } : {}), ...(resultSchema !== undefined ? { resultSchema } : {}), ...(prompt ? { prompt } : {}) });
  let trace;
  try {
    trace = opts.trace ? startTrace(opts.trace, start, traceConfig(opts)) : undefined;
  } catch (err) {
    await runtime.close();
    throw err;
  }
  const subCallCache = await subCallCacheFromFlags(opts);
  const outcome = await driveRun(start, { llm, ...(subModel ? { subModel } : {}), runtime, tools, live: opts.live, ...(trace ? { trace } : {}), ...(opts.trace ? { tracePath: opts.trace } : {}), ...(subCallCache ? { subCallCache } : {}) });
  return reportRun(outcome, opts.json ?? false, opts.trace);
}

/**
 * Kept for the commands that still import it: a whole number ≥ 0, a usage error otherwise.
 * New code uses `wholeNumber` / `positiveNumber` from limit-flags.ts.
 */
export function intOption(_name: string): (value: string) => number {
  return wholeNumber(0);
}

/** Adds `run` to the program. */
export function registerRun(cli: Command): void {
  const command = cli
    .command('run')
    .description('answer a query over a long context with an RLM; the answer goes to stdout, progress to stderr')
    .argument('<query>', 'the question')
    .option('-c, --context <path>', 'a file (one text), a folder (one document per file) or - (stdin) [required]')
    .option('-m, --model <spec>', `root model [required]: ${MODEL_HELP}`)
    .option('--sub-model <spec>', 'model for llm_query sub-calls and child agents (default: --model)');
  addRuntimeFlag(command);
  addLimitFlags(command);
  addCacheFlags(command);
  command
    .option('--model-timeout <seconds>', MODEL_TIMEOUT_HELP, modelTimeoutOption)
    .option('--json', 'print one JSON object on stdout: {answer, error, usage, steps, agents, runId, trace, exitCode} (docs/cli.md)')
    .option('--no-live', 'plain progress lines even on a terminal')
    .option('--trace <file>', 'record every step to a JSONL trace (for replay, resume, view)')
    .option('--tools <file|folder>', 'host tools for the agents: a module exporting tool()s, or a folder of them (repeatable; files starting with _ skipped)', collect)
    .option('--workspace <dir>', 'give the agents the built-in file tools (list_files, read_file, grep_files) over this folder')
    .option('--workspace-write', 'with --workspace: also write_file')
    .addOption(new Option('--max-context-mb <n>', 'cap on the size of a folder context (default 256)').argParser(positiveNumber))
    .option('--prompt <variant>', 'built-in system prompt: default, minimal, cost-warning, compat (the official RLM\'s context / FINAL / FINAL_VAR)')
    .option('--system-prompt <file>', 'a custom system prompt template with {{slots}} (see docs/prompts.md), or a .json prompt config with per-depth prompts')
    .option('--result-schema <file>', 'a JSON Schema file the answer must match; done() with another value is refused back to the model')
    .addHelpText('after', commandHelp('run', ['rlmtree run "Which speaker has the most speeches?" --context play.txt --model openai:gpt-5 --sub-model openai:gpt-5-mini --trace run.jsonl']))
    .action(async (query: string, opts: RunCommandOptions) => {
      requireOptions(command, opts, ['context', 'model']);
      process.exitCode = await runCommand(query, opts);
    });
}

/**
 * Reports a missing required option as commander would (a usage error). Checked in the action,
 * after commander has rejected unknown options, so a misspelt `--contxt` is reported as unknown
 * rather than as a missing `--context`.
 */
export function requireOptions(command: Command, opts: object, names: string[]): void {
  for (const name of names) {
    if ((opts as Record<string, unknown>)[name] === undefined) {
      const option = command.options.find((o) => o.attributeName() === name)!;
      command.error(`required option '${option.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue', exitCode: 2 });
    }
  }
}
