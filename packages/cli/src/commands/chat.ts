/**
 * `rlmtree chat`: an interactive session in the terminal. Each line you type is a turn of one
 * session (the root's REPL and conversation carry over); the live tree shows on stderr while a
 * turn runs, the answer goes to stdout. Ctrl-C cancels the running turn (the session goes back to
 * before it) and returns to the prompt; Ctrl-C at the prompt, or Ctrl-D, ends the chat.
 * `--resume trace.jsonl` reopens a recorded session (its REPL rebuilt from the record, no model call).
 */
import type { SubCallCache } from '@rlmtree/core';
import { collect, requireRecordedTools, toolsFromFlags, type ToolFlags } from '../tools.ts';
import type { Command } from 'commander';
import {
  isFinished,
  Session,
  TraceFormatError,
  TraceWriter,
  TurnCancelledError,
  TurnFailedError,
  type Context,
  type Limits,
  type LLMClient,
  type RunState,
  type Runtime,
  type StepResult,
  type TurnResult,
} from '@rlmtree/core';
import { loadHistory } from '../chat/history.ts';
import { LineInput } from '../chat/line-input.ts';
import { loadContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { lineView, ttyView, type StepView } from '../live-view.ts';
import { modelFromSpec } from '../models.ts';
import { runtimeFromSpec } from '../runtimes.ts';
import { fileError, loadStates, traceConfig } from '../trace-file.ts';
import { usageLine } from '../usage-report.ts';
import { addLimitFlags, limitsFromFlags, type LimitFlags } from '../limit-flags.ts';
import { addCacheFlags, subCallCacheFromFlags, type CacheFlags } from '../cache-flags.ts';

/** Options of `rlmtree chat`, as parsed. */
export interface ChatCommandOptions extends LimitFlags, CacheFlags, ToolFlags {
  /** Input of the first turn (a file, a folder or -); later turns keep it. */
  context?: string;
  model?: string;
  subModel?: string;
  runtime?: string;
  /** Record the session to this JSONL trace (a new file). */
  trace?: string;
  /** A JSON list of earlier user/assistant messages to start with. */
  history?: string;
  /** Reopen the session recorded in this trace and go on recording into it. */
  resume?: string;
  live: boolean;
}

interface Opened {
  session: Session;
  runtime: Runtime;
  /** Said on stderr before the first prompt. */
  banner: string;
}

/** Runs the chat until the user ends it; returns the exit code (0). */
export async function chatCommand(opts: ChatCommandOptions): Promise<number> {
  let view: StepView | null = null;
  let previous: RunState | null = null;
  const onStep = (step: StepResult) => {
    view?.update(step, previous ?? step.state);
    previous = step.state;
  };
  const opened = opts.resume ? await reopen(opts.resume, opts, onStep) : await start(opts, onStep);
  const { session, runtime } = opened;
  const input = new LineInput();
  process.stderr.write(`${opened.banner}\nCtrl-C cancels a running turn; Ctrl-C at the prompt or Ctrl-D ends the chat.\n`);
  const turn = async (work: (signal: AbortSignal) => Promise<TurnResult>) => {
    const controller = new AbortController();
    view = opts.live && process.stderr.isTTY ? await ttyView(session.engine) : lineView(session.engine);
    previous = session.state;
    if (previous) view.start?.(previous);
    try {
      const result = await input.whileRunning(
        () => controller.abort(),
        () => process.exit(130),
        () => work(controller.signal),
      );
      view.finish(result.state);
      process.stderr.write(`turn ${result.turn}: ${usageLine(result.usage)}\n`);
      process.stdout.write(`${result.answer}\n`);
    } catch (err) {
      view.finish(session.state ?? previous ?? (err as TurnFailedError).state);
      if (err instanceof TurnCancelledError) process.stderr.write(`${err.message}\n`);
      else if (err instanceof TurnFailedError) process.stderr.write(`rlmtree: ${err.message}\n`);
      else throw err;
    } finally {
      view = null;
    }
  };
  try {
    if (session.state && !isFinished(session.state)) {
      process.stderr.write(`turn ${session.turns.length - 1} had not finished; finishing it first\n`);
      await turn((signal) => session.resume({ signal }));
    }
    for (;;) {
      const line = await input.ask('you> ');
      if (line === null) break;
      if (!line.trim()) continue;
      await turn((signal) => session.send(line, { signal }));
    }
  } finally {
    input.close();
    await session.close();
    await runtime.close();
  }
  process.stderr.write('bye\n');
  return 0;
}

/** The sub-call cache the flags ask for, as an option spread (none for --no-cache). */
async function cacheOf(opts: ChatCommandOptions): Promise<{ subCallCache?: SubCallCache }> {
  const subCallCache = await subCallCacheFromFlags(opts);
  return subCallCache ? { subCallCache } : {};
}

function limitsOf(opts: ChatCommandOptions): Partial<Limits> {
  return limitsFromFlags(opts);
}

async function models(spec: string, subSpec: string | undefined): Promise<{ llm: LLMClient; subModel?: LLMClient }> {
  const llm = await modelFromSpec(spec);
  if (llm.name?.startsWith('scripted:')) process.stderr.write(`note: the model is SCRIPTED (${llm.name}): its replies are fixed code from that file, not a language model\n`);
  return { llm, ...(subSpec ? { subModel: await modelFromSpec(subSpec) } : {}) };
}

/** A new session: context, history and models checked before anything starts. */
async function start(opts: ChatCommandOptions, onStep: (step: StepResult) => void): Promise<Opened> {
  if (!opts.model) throw new CliError('chat needs --model <spec> (or --resume <trace>)');
  const context: Context = opts.context ? await loadContext(opts.context) : '';
  const history = opts.history ? await loadHistory(opts.history) : undefined;
  const { llm, subModel } = await models(opts.model, opts.subModel);
  const tools = await toolsFromFlags(opts);
  const runtimeSpec = opts.runtime ?? 'subprocess';
  if (opts.trace) await assertNewFile(opts.trace);
  const runtime = await runtimeFromSpec(runtimeSpec);
  const session = Session.create({
    llm,
    ...(subModel ? { subModel } : {}),
    runtime,
    context,
    limits: limitsOf(opts),
    ...(await cacheOf(opts)),
    onStep,
    ...(tools ? { tools } : {}),
    ...(history ? { history } : {}),
    ...(opts.trace ? { trace: opts.trace, traceOptions: { config: { ...traceConfig({ model: opts.model, ...(opts.subModel ? { subModel: opts.subModel } : {}), runtime: runtimeSpec }) } } } : {}),
  });
  return { session, runtime, banner: `rlmtree chat: model ${opts.model}, runtime ${runtimeSpec}${opts.trace ? `, recording to ${opts.trace}` : ''}` };
}

async function assertNewFile(path: string): Promise<void> {
  const { access } = await import('node:fs/promises');
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists) throw fileError(path, Object.assign(new Error('exists'), { code: 'EEXIST' }));
}

/**
 * Reopens a recorded session: the trace is read and replayed whole before anything is written,
 * so a damaged trace is a named error and the file is left as it was.
 */
async function reopen(path: string, opts: ChatCommandOptions, onStep: (step: StepResult) => void): Promise<Opened> {
  if (opts.trace) throw new CliError('--resume continues recording into the resumed trace; drop --trace');
  if (opts.history || opts.context) throw new CliError('--resume reopens a session as it was recorded; --history and --context apply to new sessions only');
  const { trace, states } = await loadStates(path);
  const last = states.at(-1)!;
  if (!last.session) throw new CliError(`trace ${path}: run ${last.runId} is not a session (it was recorded without one; continue it with rlmtree resume)`);
  const config = trace.header.config;
  const modelSpec = opts.model ?? (typeof config.model === 'string' ? config.model : undefined);
  if (!modelSpec) throw new CliError(`trace ${path} records no model; pass --model <spec>`);
  const subSpec = opts.subModel ?? (opts.model ? undefined : typeof config.subModel === 'string' ? config.subModel : undefined);
  const runtimeSpec = opts.runtime ?? (typeof config.runtime === 'string' ? config.runtime : 'subprocess');
  const { llm, subModel } = await models(modelSpec, subSpec);
  const tools = await toolsFromFlags(opts);
  requireRecordedTools(last, tools, path);
  let writer: TraceWriter;
  try {
    writer = TraceWriter.append(path).writer;
  } catch (err) {
    if (err instanceof TraceFormatError) throw new CliError(err.message);
    throw fileError(path, err);
  }
  const runtime = await runtimeFromSpec(runtimeSpec);
  const session = Session.from(last, { llm, ...(subModel ? { subModel } : {}), runtime, limits: limitsOf(opts), ...(await cacheOf(opts)), onStep, trace: writer, ...(tools ? { tools } : {}) }, { states, steps: trace.steps });
  const turns = session.turns.length;
  return { session, runtime, banner: `rlmtree chat: reopened ${path} (run ${last.runId}, ${turns} turn${turns === 1 ? '' : 's'}, step ${last.step}); the REPL is rebuilt from the record on the next cell` };
}

/** Adds `chat` to the program. */
export function registerChat(cli: Command): void {
  const command = cli
    .command('chat')
    .description('an interactive session: each line is a turn on the same tree and REPL; Ctrl-C cancels a turn')
    .option('-c, --context <path>', 'input of the session (a file, a folder or -), bound to CONTEXT')
    .option('-m, --model <spec>', 'root model: scripted:<file>, openai:<model>, anthropic:<model>')
    .option('--sub-model <spec>', 'model for llm_query sub-calls and child agents (default: --model)')
    .option('--runtime <name>', 'where agent code runs: subprocess, docker, jupyter (default subprocess)')
    .option('--trace <file>', 'record the session to a new JSONL trace (reopen it with --resume)')
    .option('--history <file>', 'a JSON list of earlier {"role": "user"|"assistant", "content"} messages to start with')
    .option('--resume <trace>', 'reopen the session recorded in this trace and keep recording into it')
    .option('--no-live', 'plain progress lines even on a terminal')
    .option('--tools <file|folder>', 'host tools for the agents: a module exporting tool()s, or a folder of them (repeatable; files starting with _ skipped)', collect)
    .option('--workspace <dir>', 'give the agents the built-in file tools (list_files, read_file, grep_files) over this folder')
    .option('--workspace-write', 'with --workspace: also write_file');
  // The same limit and cache flags as run, resume and serve (maxIterations applies per turn).
  addLimitFlags(command);
  addCacheFlags(command);
  command.action(async (opts) => {
    process.exitCode = await chatCommand(opts);
  });
}
