/**
 * Writing trace files incrementally: the header when the run starts, then one line per step
 * (after the blob lines it needs, each followed by its text's raw bytes), each step written with
 * synchronous `write(2)`s before `record` returns. A process killed at any moment leaves every completed step on disk; at
 * worst the last line is cut short, which `readTrace` reports and ignores and
 * `TraceWriter.append` cuts off before it appends.
 */
import { promptVersionOf } from '../prompts/versions.ts';
import { pendingInterventions } from '../control.ts';
import type { RunEvent, StepResult } from '../schema/events.ts';
import type { Json, RunState } from '../schema/state.ts';
import { DEFAULT_BLOB_THRESHOLD, encodeValue } from './codec.ts';
import { blobByteLength, blobChunks, blobEncoding, type BlobEncoding } from './blob-bytes.ts';
import { chainSeed, seal } from '../integrity/chain.ts';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type Trace, type TraceFormatVersion } from './format.ts';
import { parseTrace, type ParsedTrace } from './reader.ts';
import { replay } from './replay.ts';
import { nodeFs } from '../util/builtins.ts';

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
  /**
   * The format version a new trace is written in: `TRACE_FORMAT_VERSION` (3, blobs as raw bytes)
   * by default, or 2 (blob text as JSON strings) for a reader of an older rlmtree. `append`
   * always continues a trace in the version it was written in.
   */
  formatVersion?: 2 | 3;
}

/** A line to write: its JSON text (sealed when written), then, for a version 3 blob, its text's raw bytes. */
interface LineRecord {
  line: string;
  raw?: { text: string; encoding: BlobEncoding };
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
  /** Bytes in the file so far. */
  private size: number;
  /** The file's size right after each step line this writer wrote (and the step it opened at). */
  private readonly ends = new Map<number, number>();
  /** The step whose line first needed each blob this writer wrote (for `truncate`). */
  private readonly blobSteps = new Map<string, number>();
  /** The integrity chain after the last line written; null when continuing a version 1 (unchained) trace. */
  private chain: string | null;
  /** The chain right after each step line this writer wrote (and the step it opened at), for `truncate`. */
  private readonly chains = new Map<number, string | null>();
  /** The format version of the file written (a continued trace keeps its own). */
  readonly version: TraceFormatVersion;

  private constructor(path: string, fd: number, blobs: Set<string>, lastStep: number, size: number, chain: string | null, version: TraceFormatVersion, options: TraceWriterOptions) {
    this.path = path;
    this.version = version;
    this.fd = fd;
    this.blobs = blobs;
    this.lastStep = lastStep;
    this.size = size;
    this.chain = chain;
    this.chains.set(lastStep, chain);
    this.threshold = options.blobThreshold ?? DEFAULT_BLOB_THRESHOLD;
    this.fsync = options.fsync ?? false;
  }

  /**
   * Starts a new trace at `path` whose header holds `initial` (usually step 0).
   * @throws Error (EEXIST) when the file exists and `overwrite` is not set.
   */
  static create(path: string, initial: RunState, options: TraceWriterOptions = {}): TraceWriter {
    const fd = nodeFs().openSync(path, options.overwrite ? 'w' : 'wx');
    // The header's chain is seeded by the run id: it commits the whole file to this run.
    const version = options.formatVersion ?? TRACE_FORMAT_VERSION;
    const writer = new TraceWriter(path, fd, new Set(), initial.step, 0, chainSeed(TRACE_FORMAT, initial.runId), version, options);
    const { lines, encoded } = writer.encode(initial);
    const header = {
      kind: 'header',
      format: TRACE_FORMAT,
      version,
      runId: initial.runId,
      createdAt: new Date().toISOString(),
      config: options.config ?? {},
      promptVersion: promptVersionOf(initial.prompt),
      ...(options.forkedFrom ? { forkedFrom: options.forkedFrom } : {}),
      initial: encoded,
    };
    // The header goes first (so line 1 says what the file is); its blobs follow it.
    writer.write([{ line: JSON.stringify(header) }, ...lines]);
    writer.ends.set(initial.step, writer.size);
    writer.chains.set(initial.step, writer.chain);
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
   * Opens an existing trace to continue it: reads and checks it, cuts off a truncated last line
   * and the end line, and returns the writer with the trace and its replayed states (the last is
   * where to go on). A trace is continued in its own format version (version 1: no chain).
   * @throws TraceFormatError when the file is malformed (other than a truncated last line).
   */
  static append(path: string, options: Omit<TraceWriterOptions, 'config' | 'overwrite' | 'forkedFrom'> = {}): { writer: TraceWriter; trace: ParsedTrace; states: RunState[] } {
    const bytes = nodeFs().readFileSync(path);
    const trace = parseTrace(bytes.toString('utf8'), path);
    const states = replay(trace);
    const fd = nodeFs().openSync(path, 'r+');
    // Whatever follows the last complete line is a cut-short write. The end line goes too: the
    // run goes on. (Not the last '\n' of the file: a blob's raw bytes hold newlines of their own.)
    const keep = trace.resumeAt;
    if (keep < bytes.length) nodeFs().ftruncateSync(fd, keep);
    nodeFs().closeSync(fd);
    const writer = new TraceWriter(path, nodeFs().openSync(path, 'a'), trace.blobHashes, states.at(-1)!.step, keep, trace.chained ? trace.chain : null, trace.header.version, options);
    writer.ends.set(writer.lastStep, keep);
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
    const { lines, encoded, added } = this.encode(events);
    lines.push({ line: JSON.stringify({ kind: 'step', step, events: encoded }) });
    this.write(lines);
    for (const sha of added) this.blobSteps.set(sha, step);
    this.lastStep = step;
    this.ends.set(step, this.size);
    this.chains.set(step, this.chain);
  }

  /**
   * Cuts the file back to just after step `step` (its later steps and the blobs only they
   * needed are removed), e.g. when a session's cancelled turn is rolled back. The steps before
   * are untouched, so the trace replays to the state at `step`.
   * @throws RangeError when `step` is not a step this writer wrote or opened at, or is ahead of the
   *   last one; Error after `close`.
   */
  truncate(step: number): void {
    if (this.fd === null) throw new Error(`trace ${this.path}: truncated after close()`);
    const end = this.ends.get(step);
    if (end === undefined || step > this.lastStep) {
      throw new RangeError(`trace ${this.path}: cannot cut back to step ${step} (this writer can cut back to steps ${Math.min(...this.ends.keys())}..${this.lastStep})`);
    }
    nodeFs().ftruncateSync(this.fd, end);
    this.size = end;
    this.chain = this.chains.get(step) ?? null;
    for (const s of [...this.ends.keys()]) if (s > step) this.ends.delete(s);
    for (const s of [...this.chains.keys()]) if (s > step) this.chains.delete(s);
    for (const [sha, s] of this.blobSteps) {
      if (s > step) {
        this.blobSteps.delete(sha);
        this.blobs.delete(sha);
      }
    }
    this.lastStep = step;
  }

  /**
   * Writes the end line (a chained trace: it says the writer closed the file at this step, so a
   * reader can tell a complete trace from one cut after a line) and closes the file. Safe to
   * call twice; never throws for the end line (a full disk leaves a trace without one, which
   * reads as one whose writer was killed).
   */
  close(): void {
    if (this.fd === null) return;
    try {
      if (this.chain !== null) this.write([{ line: JSON.stringify({ kind: 'end', step: this.lastStep }) }]);
    } catch {
      // see above: the trace reads as unclosed
    }
    nodeFs().closeSync(this.fd);
    this.fd = null;
  }

  private encode(value: unknown): { lines: LineRecord[]; encoded: unknown; added: string[] } {
    const lines: LineRecord[] = [];
    const added: string[] = [];
    const encoded = encodeValue(
      value,
      (sha256, text) => {
        if (this.blobs.has(sha256)) return;
        this.blobs.add(sha256);
        added.push(sha256);
        if (this.version < 3) {
          lines.push({ line: JSON.stringify({ kind: 'blob', sha256, chars: text.length, text }) });
          return;
        }
        // Raw: the text's bytes follow the line, never a JSON string literal.
        const encoding = blobEncoding(text);
        lines.push({ line: JSON.stringify({ kind: 'blob', sha256, chars: text.length, bytes: blobByteLength(text, encoding), encoding }), raw: { text, encoding } });
      },
      this.threshold,
    );
    return { lines, encoded, added };
  }

  private write(records: LineRecord[]): void {
    if (this.fd === null) throw new Error(`trace ${this.path}: written after close()`);
    const fd = this.fd;
    // Each line is sealed after the one before it (integrity/chain.ts) before anything is written;
    // a blob's raw bytes are covered by its line, which names their sha256 and length.
    let chain = this.chain;
    const sealed = records.map((r) => {
      if (chain === null) return r;
      const next = seal(chain, r.line);
      chain = next.chain;
      return { ...r, line: next.text };
    });
    // Explicit positions: after `truncate` the file offset of a non-append fd is past the end.
    let at = this.size;
    const put = (buf: Uint8Array) => {
      let off = 0;
      while (off < buf.length) off += nodeFs().writeSync(fd, buf, off, buf.length - off, at + off);
      at += buf.length;
    };
    let text = '';
    for (const r of sealed) {
      text += `${r.line}\n`;
      if (!r.raw) continue;
      put(Buffer.from(text, 'utf8'));
      text = '';
      // A chunk at a time from one reused buffer: no copy of a 100 MB context is ever made whole.
      blobChunks(r.raw.text, r.raw.encoding, put);
      put(NEWLINE);
    }
    if (text) put(Buffer.from(text, 'utf8'));
    this.size = at;
    this.chain = chain;
    if (this.fsync) nodeFs().fdatasyncSync(fd);
  }
}

const NEWLINE = Buffer.from('\n');
