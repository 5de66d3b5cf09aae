/**
 * `rlmtree resume <trace> [--from N]`: continue a traced run (after a crash or a kill), or fork
 * it at step N into a new trace. Agents' REPLs are rebuilt from the record by the engine (their
 * cells re-run with recorded host-call answers: no model call, no child spawned again).
 */
import { collect, requireRecordedTools, toolsFromFlags, type ToolFlags } from '../tools.ts';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { failedOnModel, forkTrace, isFinished, replay, retryAgent, setLimits, TraceFormatError, TraceWriter, type LLMClient, type RunState } from '@rlmtree/core';
import { CliError } from '../errors.ts';
import { driveRun, reportRun } from '../drive.ts';
import { MODEL_TIMEOUT_HELP, modelFromSpec, modelTimeoutOption } from '../models.ts';
import { commandHelp } from '../help-text.ts';
import { addLimitFlags, limitsFromFlags, wholeNumber, type LimitFlags } from '../limit-flags.ts';
import { addCacheFlags, subCallCacheFromFlags, type CacheFlags } from '../cache-flags.ts';
import { addRuntimeFlag, checkedRuntime } from '../runtimes.ts';
import { fileError, loadTrace } from '../trace-file.ts';

/** Options of `rlmtree resume`, as parsed. */
export interface ResumeCommandOptions extends LimitFlags, CacheFlags, ToolFlags {
  /** Fork at this step into a new trace instead of continuing the trace itself. */
  from?: number;
  /** The fork's trace file (default `<name>.fork-<N>.jsonl` beside the original). */
  trace?: string;
  /** Models and runtime (default: those recorded in the trace header). */
  model?: string;
  subModel?: string;
  runtime?: string;
  /** Time one model HTTP attempt may take (ms, parsed from seconds). */
  modelTimeout?: number;
  /** Make agents that ended on a model error READY again before going on (`retryAgent`). */
  retryFailed?: boolean;
  json?: boolean;
  live: boolean;
}

/** Runs the command; returns the exit code (0 answered, 3 ended without an answer). */
export async function resumeCommand(path: string, opts: ResumeCommandOptions): Promise<number> {
  const trace = await loadTrace(path);
  const config = trace.header.config;
  const modelSpec = opts.model ?? (typeof config.model === 'string' ? config.model : undefined);
  if (!modelSpec) throw new CliError(`trace ${path} records no model; pass --model <spec>`);
  const subSpec = opts.subModel ?? (opts.model ? undefined : typeof config.subModel === 'string' ? config.subModel : undefined);
  const runtimeSpec = opts.runtime ?? (typeof config.runtime === 'string' ? config.runtime : 'subprocess');

  let writer: TraceWriter;
  let start: RunState;
  if (opts.from === undefined) {
    try {
      const opened = TraceWriter.append(path);
      writer = opened.writer;
      start = opened.states.at(-1)!;
    } catch (err) {
      if (err instanceof TraceFormatError) throw new CliError(err.message);
      throw err;
    }
    process.stderr.write(`resuming ${path} at step ${start.step}\n`);
  } else {
    const last = trace.header.initial.step + trace.steps.length;
    if (opts.from < trace.header.initial.step || opts.from > last) {
      throw new CliError(`--from ${opts.from}: trace ${path} holds steps ${trace.header.initial.step}..${last}`);
    }
    const out = opts.trace ?? join(dirname(path), `${basename(path, '.jsonl')}.fork-${opts.from}.jsonl`);
    const fork = forkTrace(trace, opts.from, { path });
    const config = { ...trace.header.config, model: modelSpec, runtime: runtimeSpec, ...(subSpec ? { subModel: subSpec } : {}) };
    try {
      writer = TraceWriter.write(out, { header: { ...fork.header, config }, steps: fork.steps });
    } catch (err) {
      throw fileError(out, err);
    }
    start = replay(fork).at(-1)!;
    process.stderr.write(`forked ${path} at step ${opts.from} into ${out} (run ${start.runId})\n`);
  }

  if (opts.retryFailed) {
    const failed = failedOnModel(start);
    // Recorded: the retries are interventions on `start`, written with the next step.
    for (const id of failed) start = retryAgent(start, id);
    process.stderr.write(failed.length ? `retrying ${failed.join(', ')} (ended on a model error)\n` : 'no agent ended on a model error: nothing to retry\n');
  }
  if (isFinished(start)) {
    writer.close();
    const root = start.nodes[start.rootId]!;
    const hint = root.error?.kind === 'llm_error' && !opts.retryFailed ? ' (it ended on a model error: --retry-failed calls the model again)' : '';
    process.stderr.write(`the run had already finished at step ${start.step}${hint}\n`);
    return reportRun({ state: start }, opts.json ?? false, path);
  }
  const limits = limitsFromFlags(opts);
  if (Object.keys(limits).length > 0) start = setLimits(start, limits);
  const modelOptions = opts.modelTimeout !== undefined ? { timeoutMs: opts.modelTimeout } : {};
  const llm = await modelFromSpec(modelSpec, modelOptions);
  const subModel: LLMClient | undefined = subSpec ? await modelFromSpec(subSpec, modelOptions) : undefined;
  let runtime;
  let tools;
  try {
    tools = await toolsFromFlags(opts);
    requireRecordedTools(start, tools, path);
    runtime = await checkedRuntime(runtimeSpec);
  } catch (err) {
    writer.close();
    throw err;
  }
  const tracePath = opts.from === undefined ? path : (opts.trace ?? join(dirname(path), `${basename(path, '.jsonl')}.fork-${opts.from}.jsonl`));
  const subCallCache = await subCallCacheFromFlags(opts);
  const outcome = await driveRun(start, { llm, ...(subModel ? { subModel } : {}), runtime, ...(tools ? { tools } : {}), live: opts.live, trace: writer, tracePath, ...(subCallCache ? { subCallCache } : {}) });
  return reportRun(outcome, opts.json ?? false, tracePath);
}

/** Adds `resume` to the program. */
export function registerResume(cli: Command): void {
  const command = cli
    .command('resume')
    .description('continue a traced run, or fork it at a step into a new trace; REPLs are rebuilt from the record')
    .argument('<trace>', 'a JSONL trace written by run --trace')
    .option('--from <n>', 'fork at step N into a new trace (default: continue the trace itself)', wholeNumber(0))
    .option('--trace <file>', "the fork's trace file (default: <name>.fork-<N>.jsonl)")
    .option('-m, --model <spec>', 'root model (default: the one recorded in the trace)')
    .option('--sub-model <spec>', 'model for sub-calls and child agents');
  addRuntimeFlag(command, true);
  addLimitFlags(command, true);
  addCacheFlags(command);
  command
    .option('--model-timeout <seconds>', MODEL_TIMEOUT_HELP, modelTimeoutOption)
    .option('--retry-failed', 'call the model again for agents that ended on a model error (the root, or a child still awaited)')
    .option('--json', 'print one JSON object on stdout: {answer, error, usage, steps, agents, runId, trace, exitCode}')
    .option('--no-live', 'plain progress lines even on a terminal')
    .option('--tools <file|folder>', 'the host tools the run was recorded with: a module exporting tool()s, or a folder of them (repeatable)', collect)
    .option('--workspace <dir>', 'the built-in file tools over this folder, as the run had them')
    .option('--workspace-write', 'with --workspace: also write_file')
    .addHelpText('after', commandHelp('resume', ['rlmtree resume run.jsonl                # continue a killed or interrupted run', 'rlmtree resume run.jsonl --from 3       # fork at step 3 into run.fork-3.jsonl']))
    .action(async (path: string, opts) => {
      process.exitCode = await resumeCommand(path, opts);
    });
}
