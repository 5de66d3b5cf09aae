/**
 * Writing trace files incrementally: the header when the run starts, then one line per step
 * (after the blob lines it needs), each written with one synchronous `write(2)` before
 * `record` returns. A process killed at any moment leaves every completed step on disk; at
 * worst the last line is cut short, which `readTrace` reports and ignores and
 * `TraceWriter.append` cuts off before it appends.
 */
import { closeSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { StepResult } from '../engine/engine.ts';
import { pendingInterventions } from '../control.ts';
import type { RunEvent } from '../schema/events.ts';
import type { Json, RunState } from '../schema/state.ts';
import { DEFAULT_BLOB_THRESHOLD, encodeValue } from './codec.ts';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type Trace } from './format.ts';
import { parseTrace, type ParsedTrace } from './reader.ts';
import { replay } from './replay.ts';

/** Options of a `TraceWriter`. */
export interface TraceWriterOptions {
  /** Free-form JSON facts stored in the header (e.g. the CLI's model spec and runtime). */
  config?: Record<string, Json>;
  /** Strings longer than this (chars) are stored once as blobs (default 4096). */
  blobThreshold?: number;
  /**
   * Also `fdatasync` after every step, so a power loss (not only a killed process) keeps it.
   * Costs a disk flush per step; default false.
   */
  fsync?: boolean;
  /** Replace an existing file (default false: creating over an existing file throws). */
  overwrite?: boolean;
  /** Recorded in the header when the trace is a fork. */
  forkedFrom?: { runId: string; step: number; path?: string };
}

/** Appends a run's steps to a trace file as they happen. */
export class TraceWriter {
  /** The file written. */
  readonly path: string;
  private fd: number | null;
  private readonly blobs: Set<string>;
  private readonly threshold: number;
  private readonly fsync: boolean;
  private lastStep: number;

  private constructor(path: string, fd: number, blobs: Set<string>, lastStep: number, options: TraceWriterOptions) {
    this.path = path;
    this.fd = fd;
    this.blobs = blobs;
    this.lastStep = lastStep;
    this.threshold = options.blobThreshold ?? DEFAULT_BLOB_THRESHOLD;
    this.fsync = options.fsync ?? false;
  }

  /**
   * Starts a new trace at `path` whose header holds `initial` (usually step 0).
   * @throws Error (EEXIST) when the file exists and `overwrite` is not set.
   */
  static create(path: string, initial: RunState, options: TraceWriterOptions = {}): TraceWriter {
    const fd = openSync(path, options.overwrite ? 'w' : 'wx');
    const writer = new TraceWriter(path, fd, new Set(), initial.step, options);
    const { lines, encoded } = writer.encode(initial);
    const header = {
      kind: 'header',
      format: TRACE_FORMAT,
      version: TRACE_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      config: options.config ?? {},
      ...(options.forkedFrom ? { forkedFrom: options.forkedFrom } : {}),
      initial: encoded,
    };
    // The header goes first (so line 1 says what the file is); its blobs follow it.
    writer.write([JSON.stringify(header), ...lines]);
    return writer;
  }

  /**
   * Writes a whole trace (e.g. a fork made by `forkTrace`) to a new file and returns a writer
   * positioned after its last step, to keep recording.
   * @throws like `create`.
   */
  static write(path: string, trace: Pick<Trace, 'header' | 'steps'>, options: TraceWriterOptions = {}): TraceWriter {
    const { header } = trace;
    const writer = TraceWriter.create(path, header.initial, {
      config: header.config,
      ...(header.forkedFrom ? { forkedFrom: header.forkedFrom } : {}),
      ...options,
    });
    for (const s of trace.steps) writer.writeStep(s.step, s.events);
    return writer;
  }

  /**
   * Opens an existing trace to continue it: reads and checks it, cuts off a truncated last line,
   * and returns the writer with the trace and its replayed states (the last is where to go on).
   * @throws TraceFormatError when the file is malformed (other than a truncated last line).
   */
  static append(path: string, options: Omit<TraceWriterOptions, 'config' | 'overwrite' | 'forkedFrom'> = {}): { writer: TraceWriter; trace: ParsedTrace; states: RunState[] } {
    const bytes = readFileSync(path);
    const trace = parseTrace(bytes.toString('utf8'), path);
    const states = replay(trace);
    const fd = openSync(path, 'r+');
    // Complete lines end with '\n'; whatever follows the last one is a cut-short write.
    const keep = bytes.lastIndexOf(10) + 1;
    if (keep < bytes.length) ftruncateSync(fd, keep);
    closeSync(fd);
    const writer = new TraceWriter(path, openSync(path, 'a'), trace.blobHashes, states.at(-1)!.step, options);
    return { writer, trace, states };
  }

  /** The step of the last state recorded (the header's initial step before any). */
  get step(): number {
    return this.lastStep;
  }

  /**
   * Records one step taken from `from` (default: the last recorded state). Interventions made on
   * `from` with the control helpers (`injectMessage`, `cancelAgent`, ...) are written first, so
   * replay folds them too. A step with no events (a finished run stepped again) writes nothing.
   * @throws Error when the step does not follow the last recorded one (a branch of an older
   *   state belongs in a new trace: `forkTrace`), or after `close`.
   */
  record(result: StepResult, from?: RunState): void {
    if (result.events.length === 0) return;
    if (from && from.step !== this.lastStep) {
      throw new Error(`trace ${this.path}: the step was taken from step ${from.step} but the trace is at step ${this.lastStep}; record a branch in a new trace (forkTrace)`);
    }
    const pending = from ? pendingInterventions(from) : undefined;
    this.writeStep(result.state.step, pending ? [...pending.events, ...result.events] : result.events);
  }

  /**
   * An `onStep` callback for `Engine.runFrom` that records every step, starting from `start`
   * (so interventions made on `start` are recorded too).
   */
  follow(start: RunState): (result: StepResult) => void {
    let from = start;
    return (result) => {
      this.record(result, from);
      from = result.state;
    };
  }

  /**
   * Writes one step line (and the blobs it needs). Low level: `record` is the usual way.
   * @throws Error when `step` is not the last step + 1.
   */
  writeStep(step: number, events: readonly RunEvent[]): void {
    if (step !== this.lastStep + 1) throw new Error(`trace ${this.path}: step ${step} does not follow step ${this.lastStep}`);
    const { lines, encoded } = this.encode(events);
    lines.push(JSON.stringify({ kind: 'step', step, events: encoded }));
    this.write(lines);
    this.lastStep = step;
  }

  /** Closes the file. Safe to call twice. */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  private encode(value: unknown): { lines: string[]; encoded: unknown } {
    const lines: string[] = [];
    const encoded = encodeValue(
      value,
      (sha256, text) => {
        if (this.blobs.has(sha256)) return;
        this.blobs.add(sha256);
        lines.push(JSON.stringify({ kind: 'blob', sha256, chars: text.length, text }));
      },
      this.threshold,
    );
    return { lines, encoded };
  }

  private write(lines: string[]): void {
    if (this.fd === null) throw new Error(`trace ${this.path}: written after close()`);
    const buf = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    if (this.fsync) fdatasyncSync(this.fd);
  }
}
