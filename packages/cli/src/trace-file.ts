/** Trace files from the command line: `run --trace`, `replay`, `resume`. */
import { TraceFormatError, TraceReplayError, TraceWriter, readTrace, replay, type Json, type RunState, type Trace } from '@rlmtree/core';
import { existsSync } from 'node:fs';
import { CliError } from './errors.ts';

/** What the CLI stores in a trace header to resume the run later. */
export interface TraceConfig {
  model: string;
  subModel?: string;
  runtime: string;
}

/**
 * Starts a trace at `path` for a run starting at `initial`.
 * @throws CliError when the file exists (nothing is overwritten) or cannot be created.
 */
export function startTrace(path: string, initial: RunState, config: TraceConfig): TraceWriter {
  try {
    return TraceWriter.create(path, initial, { config: toJson(config) });
  } catch (err) {
    throw fileError(path, err);
  }
}

/**
 * Refuses a trace path that exists, before anything is started (the runtime, the first model
 * call). @throws CliError as `startTrace` would.
 */
export function checkTraceFree(path: string): void {
  if (existsSync(path)) throw fileError(path, Object.assign(new Error('exists'), { code: 'EEXIST' }));
}

/** Options of `run` that go into the trace header. */
export function traceConfig(opts: { model: string; subModel?: string; runtime: string }): TraceConfig {
  return { model: opts.model, ...(opts.subModel ? { subModel: opts.subModel } : {}), runtime: opts.runtime };
}

/** Reads a trace; warnings (a truncated last line) go to stderr. @throws CliError */
export async function loadTrace(path: string): Promise<Trace> {
  let trace: Trace;
  try {
    trace = await readTrace(path);
  } catch (err) {
    if (err instanceof TraceFormatError) throw new CliError(err.message);
    throw fileError(path, err);
  }
  for (const w of trace.warnings) process.stderr.write(`warning: ${w}\n`);
  return trace;
}

/** Reads a trace and replays it: every state from its first step to its last. @throws CliError */
export async function loadStates(path: string): Promise<{ trace: Trace; states: RunState[] }> {
  const trace = await loadTrace(path);
  try {
    return { trace, states: replay(trace) };
  } catch (err) {
    if (err instanceof TraceReplayError) throw new CliError(`trace ${path}: ${err.message}`);
    throw err;
  }
}

/** A one-line CliError for a file system error on `path`. */
export function fileError(path: string, err: unknown): CliError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') return new CliError(`trace ${path} exists already; choose another path or remove it (rlmtree resume continues a trace)`);
  if (code === 'ENOENT') return new CliError(`trace ${path}: no such file`);
  return new CliError(`trace ${path}: ${(err as Error).message}`);
}

function toJson(config: TraceConfig): Record<string, Json> {
  return { ...config } as Record<string, Json>;
}
