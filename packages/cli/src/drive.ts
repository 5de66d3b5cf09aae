/**
 * Running a state to the end with the live view and a trace, and reporting it: shared by `run`
 * and `resume`. Ctrl-C (SIGINT) or SIGTERM stops the run between effects: the steps so far are
 * kept in the trace (one is written beside the working folder when the run had none), one line
 * says how to continue, and the exit code is 130 (docs/cli.md).
 */
import { Engine, TraceWriter, runSummary, totalUsage, type LLMClient, type RunState, type RunSummary, type Runtime, type StepResult, type SubCallCache, type Tool } from '@rlmtree/core';
import { lineView, ttyView } from './live-view.ts';
import { usageReport } from './usage-report.ts';

/** What `driveRun` needs. */
export interface DriveOptions {
  llm: LLMClient;
  subModel?: LLMClient;
  /** Closed when the run ends, like the engine. */
  runtime: Runtime;
  /** Redraw the tree in place when stderr is a TTY (else plain lines). */
  live: boolean;
  /** Records every step (closed when the run ends). */
  trace?: TraceWriter;
  /** The trace's path, for the resume hint. */
  tracePath?: string;
  /** Host tools the agents may call (their specs are in the state). */
  tools?: Readonly<Record<string, Tool>>;
  /** Answers repeated sub-calls for free (see cache-flags.ts); closed when the run ends. */
  subCallCache?: SubCallCache;
}

/** How a drive ended: the last state reached and, when it was interrupted, the trace holding it. */
export interface DriveOutcome {
  state: RunState;
  /** Set when SIGINT/SIGTERM stopped the run: the trace `rlmtree resume` continues. */
  interrupted?: { trace: string };
}

/** Steps `start` until the root finishes or a signal stops it, showing progress on stderr. */
export async function driveRun(start: RunState, options: DriveOptions): Promise<DriveOutcome> {
  const { runtime } = options;
  const stop = new AbortController();
  const engine = new Engine({
    llm: options.llm,
    ...(options.subModel ? { subModel: options.subModel } : {}),
    runtime,
    signal: stop.signal,
    ...(options.tools ? { tools: options.tools } : {}),
    ...(options.subCallCache ? { subCallCache: options.subCallCache } : {}),
  });
  const view = options.live && process.stderr.isTTY ? await ttyView(engine) : lineView(engine);
  // Without a trace, the steps are kept so an interrupted run can still be saved and resumed.
  const kept: StepResult[] = [];
  const record = options.trace?.follow(start);
  let previous = start;
  let signals = 0;
  const onSignal = () => {
    if (++signals > 1) process.exit(130); // a second Ctrl-C: leave now
    stop.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    view.start?.(previous);
    const state = await engine.runFrom(start, {
      onStep: (step) => {
        if (record) record(step);
        else kept.push(step);
        view.update(step, previous);
        previous = step.state;
      },
    });
    view.finish(state);
    return { state };
  } catch (err) {
    if (!stop.signal.aborted) throw err;
    view.finish(previous);
    return { state: previous, interrupted: { trace: options.tracePath ?? saveKept(start, kept) } };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.trace?.close();
    await engine.close();
    await runtime.close();
    await options.subCallCache?.close?.();
  }
}

/** Writes an untraced run's steps to `rlmtree-<run id>.jsonl` in the working folder; returns the path. */
function saveKept(start: RunState, kept: StepResult[]): string {
  const path = `rlmtree-${start.runId}.jsonl`;
  const writer = TraceWriter.create(path, start, { overwrite: true });
  const record = writer.follow(start);
  kept.forEach(record);
  writer.close();
  return path;
}

/** What `--json` prints: always exactly one object on stdout (docs/cli.md). */
export interface JsonReport {
  /** The root's result (any JSON value), or null. */
  answer: unknown;
  /** Why there is no answer: the run's structured reason, or a usage/input error; null when answered. */
  error: { kind: string; message: string } | null;
  /** Tokens, USD and calls of the whole tree; null when no run started. */
  usage: ReturnType<typeof totalUsage> | null;
  steps: number | null;
  agents: number | null;
  runId: string | null;
  /** The trace holding the run (given, or written on interruption), or null. */
  trace: string | null;
  exitCode: number;
  /** What the run did (iterations, sub-calls sent / cached / refused, tokens, cost, elapsed, root variables); null when no run started. */
  summary: RunSummary | null;
}

/**
 * Prints usage and cost to stderr and the answer to stdout (one JSON object with `json`); returns
 * the exit code: 0 answered, 3 the run ended without an answer (its structured reason on
 * stderr), 130 interrupted (with the command that continues it).
 */
export function reportRun(outcome: DriveOutcome, json: boolean, tracePath?: string): number {
  const { state, interrupted } = outcome;
  const root = state.nodes[state.rootId]!;
  process.stderr.write(`usage and cost (USD):\n${usageReport(state).map((l) => `  ${l}\n`).join('')}`);
  const code = interrupted ? 130 : root.error ? 3 : 0;
  const error = interrupted ? { kind: 'interrupted', message: `interrupted at step ${state.step}` } : root.error ? { kind: root.error.kind, message: root.error.message } : null;
  if (json) {
    const report: JsonReport = {
      answer: interrupted ? null : (root.result ?? null),
      error,
      usage: totalUsage(state),
      steps: state.step,
      agents: Object.keys(state.nodes).length,
      runId: state.runId,
      trace: interrupted?.trace ?? tracePath ?? null,
      exitCode: code,
      summary: runSummary(state),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (code === 0) {
    process.stdout.write(`${typeof root.result === 'string' ? root.result : JSON.stringify(root.result, null, 2)}\n`);
  }
  if (interrupted) process.stderr.write(`rlmtree: interrupted at step ${state.step}; continue with: rlmtree resume ${interrupted.trace}\n`);
  else if (root.error) process.stderr.write(`rlmtree: the run ended without an answer: ${root.error.kind}: ${root.error.message}\n`);
  return code;
}

/** The `--json` object for a failure before or outside a run (usage error, bad input). */
export function jsonFailure(kind: string, message: string, exitCode: number): JsonReport {
  return { answer: null, error: { kind, message }, usage: null, steps: null, agents: null, runId: null, trace: null, exitCode, summary: null };
}
