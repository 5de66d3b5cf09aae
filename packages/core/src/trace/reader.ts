/**
 * Reading trace files: `readTrace(path) -> {header, steps, warnings}`. The file is read as bytes
 * and split into lines there (a version 3 blob's raw bytes are taken by their length, never
 * decoded as JSON). Every line is checked
 * (JSON, then the line's zod schema, then the decoded state / events against the run schemas).
 * Each line's integrity chain (version 2) is checked too, so an edited, moved, repeated, dropped
 * or spliced line is a `TraceFormatError` naming it. A last line without its newline is what a
 * killed writer leaves: it is reported in `warnings` and ignored, so every completed step still
 * loads; a trace without its end line (the writer was killed, or the file was cut after a line)
 * loads with a warning saying so. Anything else malformed throws a `TraceFormatError` naming the
 * file, the line and the field.
 */
import { promptSetFor, promptVersionOf, PromptVersionError } from '../prompts/versions.ts';
import { freeze } from 'immer';
import { DecodeError, decodeValue, fieldPath, sha256 } from './codec.ts';
import { blobBytesHash, blobText } from './blob-bytes.ts';
import { chainSeed, checkSeal, unseal } from '../integrity/chain.ts';
import { nodeFsPromises } from '../util/builtins.ts';
import {
  BlobLineSchema,
  EndLineSchema,
  RawBlobLineSchema,
  checkEvents,
  checkState,
  HeaderLineSchema,
  StepLineSchema,
  TRACE_FORMAT,
  TRACE_FORMAT_VERSIONS_READ,
  TraceFormatError,
  type Trace,
  type TraceHeader,
  type TraceStep,
} from './format.ts';

/** A parsed trace plus what a writer appending to it needs. */
export interface ParsedTrace extends Trace {
  /** Hashes of the blobs the file holds. */
  blobHashes: Set<string>;
  /** True when the last line was cut short (and ignored). */
  truncated: boolean;
  /** True when the trace carries an integrity chain (version 2). */
  chained: boolean;
  /** The chain after the last step's line and its blobs (where a writer appending goes on); '' when unchained. */
  chain: string;
  /** True when the trace ends with its end line (its writer closed it). */
  ended: boolean;
  /**
   * Where a writer appending to the trace goes on: the byte offset just after the last complete
   * line (a blob's with its bytes), before an end line or a cut-short last line.
   */
  resumeAt: number;
}

/**
 * Reads and checks a trace file.
 * @throws TraceFormatError for malformed content (naming line and field); the fs error when the
 *   file cannot be read.
 */
export async function readTrace(path: string): Promise<Trace> {
  const { header, steps, warnings } = parseTrace(await nodeFsPromises().readFile(path), path);
  return { header, steps, warnings };
}

/**
 * Parses a trace's bytes, or its text (taken as UTF-8; see `readTrace`). `path` only names the
 * source in errors.
 * @throws TraceFormatError
 */
export function parseTrace(input: string | Uint8Array, path = '<memory>'): ParsedTrace {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const blobs = new Map<string, string>();
  const steps: TraceStep[] = [];
  const warnings: string[] = [];
  let head: HeaderLine | undefined;
  let header: TraceHeader | undefined;
  let truncated = false;
  let ended = false;
  let chained = false;
  let chain = '';
  let lastChain = '';
  let pos = 0;
  let line = 0;
  // After the last complete line but an end line (the same point as `lastChain`): where an appender goes on.
  let resumeAt = 0;
  // The last physical line number counted (see physicalLine): record -> line at byte `at`.
  const physical = { record: 0, line: 1, at: 0 };
  while (pos < buf.length) {
    line += 1;
    const nl = buf.indexOf(10, pos);
    if (ended) throw new TraceFormatError(path, line, '', 'a line after the end line (lines appended to a closed trace, or spliced in)');
    if (nl === -1) {
      if (!head) throw new TraceFormatError(path, line, '', 'the header line is truncated (no newline at its end)');
      truncated = true;
      warnings.push(`trace ${path}, line ${physicalLine(buf, pos, physical, line)}: the last line is truncated (${buf.length - pos} bytes without a newline, e.g. the writer was killed); ignored`);
      break;
    }
    const raw = buf.toString('utf8', pos, nl);
    const start = pos;
    pos = nl + 1;
    // Errors name the line an editor shows (a blob's raw bytes hold newlines), counted only then.
    const where = () => (line === physical.record ? physical.line : physicalLine(buf, start, physical, line));
    const fail = (field: string, detail: string) => new TraceFormatError(path, where(), field, detail);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw fail('', `not JSON (${(err as Error).message})`);
    }
    if (!head) {
      head = parseHeader(value, fail);
      chained = head.version >= 2;
      if (chained) {
        if (head.runId === undefined) throw fail('runId', 'missing (a version 2 header names its run)');
        chain = checked(raw, chainSeed(TRACE_FORMAT, head.runId), fail, () => 'the header does not hash to its chain: it was edited, or it is not the header of this run');
      } else warnings.push(`trace ${path}: format version ${head.version} carries no integrity chain, so edits, reordered or spliced lines in it cannot be detected (traces written now carry one)`);
      lastChain = chain;
      resumeAt = pos;
      continue;
    }
    if (chained) chain = checked(raw, chain, fail, () => `does not follow line ${where() - 1}: the line was edited, or lines were reordered, repeated, dropped or spliced in from another trace`);
    const kind = (value as { kind?: unknown } | null)?.kind;
    if (kind === 'blob' && head.version >= 3) {
      const blob = parsed(RawBlobLineSchema, value, fail);
      const end = pos + blob.bytes;
      if (end >= buf.length) {
        // The bytes (or the newline after them) run past the end of the file: a cut-short write.
        truncated = true;
        warnings.push(`trace ${path}, line ${where()}: the last line is truncated (its blob's ${blob.bytes} raw bytes and newline end past the end of the file, e.g. the writer was killed); ignored`);
        break;
      }
      if (buf[end] !== 10) throw fail('bytes', `says ${blob.bytes} but no newline follows that many raw bytes (bytes were cut from or added to the blob)`);
      const bytes = buf.subarray(pos, end);
      if (blobBytesHash(bytes, blob.encoding) !== blob.sha256) throw fail('text', `the raw bytes do not hash to sha256 ${blob.sha256}`);
      let text: string;
      try {
        text = blobText(bytes, blob.encoding);
      } catch (err) {
        throw fail('bytes', (err as Error).message);
      }
      if (text.length !== blob.chars) throw fail('chars', `says ${blob.chars} but the text has ${text.length}`);
      blobs.set(blob.sha256, text);
      pos = end + 1;
    } else if (kind === 'blob') {
      const blob = parsed(BlobLineSchema, value, fail);
      if (blob.text.length !== blob.chars) throw fail('chars', `says ${blob.chars} but the text has ${blob.text.length}`);
      if (sha256(blob.text) !== blob.sha256) throw fail('text', `does not hash to sha256 ${blob.sha256}`);
      blobs.set(blob.sha256, blob.text);
    } else if (kind === 'step') {
      const step = parsed(StepLineSchema, value, fail);
      // The header's blobs are written right after it, before the first step.
      header ??= resolveHeader(head, blobs, (f, d) => new TraceFormatError(path, 1, f, d));
      const expected = header.initial.step + steps.length + 1;
      if (step.step !== expected) throw fail('step', `is ${step.step}, expected ${expected} (a step is missing or repeated)`);
      const events = checkEvents(decoded(step.events, blobs, 'events', fail), 'events', fail);
      steps.push({ step: step.step, events: freeze(events, true) });
    } else if (kind === 'end' && chained) {
      const end = parsed(EndLineSchema, value, fail);
      header ??= resolveHeader(head, blobs, (f, d) => new TraceFormatError(path, 1, f, d));
      const last = header.initial.step + steps.length;
      if (end.step !== last) throw fail('step', `the end line says step ${end.step} but the trace's last step is ${last}`);
      ended = true;
      continue; // the chain an appending writer continues is the one before the end line
    } else if (kind === 'header') {
      throw fail('kind', 'a second header');
    } else {
      throw fail('kind', `unknown line kind ${JSON.stringify(kind)} (expected blob or step${chained ? ' or end' : ''})`);
    }
    lastChain = chain;
    resumeAt = pos;
  }
  if (!head) throw new TraceFormatError(path, 1, '', 'the file is empty: no header');
  header ??= resolveHeader(head, blobs, (f, d) => new TraceFormatError(path, 1, f, d));
  if (header.initial.runId !== (head.runId ?? header.initial.runId)) {
    throw new TraceFormatError(path, 1, 'runId', `the header names run ${JSON.stringify(head.runId)} but its initial state is run ${JSON.stringify(header.initial.runId)}`);
  }
  if (chained && !ended) {
    warnings.push(`trace ${path}: no end line after step ${header.initial.step + steps.length}: its writer did not close it (killed, or still running) or the file was cut after a line; the ${steps.length} steps recorded so far are loaded`);
  }
  return { header, steps, warnings, blobHashes: new Set(blobs.keys()), truncated, chained, chain: chained ? lastChain : '', ended, resumeAt };
}

/** The line's chain when its seal checks after `prev`; else the error `fail` makes. */
function checked(raw: string, prev: string, fail: Fail, mismatch: () => string): string {
  const bad = checkSeal(raw, prev);
  if (bad) throw fail('chain', bad.problem === 'unsealed' ? 'missing: every line of a version 2 or 3 trace ends with its chain' : mismatch());
  return unseal(raw)!.chain;
}

/**
 * The 1-based line number (newlines before it + 1) of the record starting at byte `at`, the
 * `record`-th: equal to `record` until a blob's raw bytes held a newline. Counted from the last
 * answer (`memo`), so a read that names no line costs nothing.
 */
function physicalLine(buf: Buffer, at: number, memo: { record: number; line: number; at: number }, record: number): number {
  let line = memo.at <= at ? memo.line : 1;
  let p = memo.at <= at ? memo.at : 0;
  for (;;) {
    const nl = buf.indexOf(10, p);
    if (nl === -1 || nl >= at) break;
    line += 1;
    p = nl + 1;
  }
  memo.record = record;
  memo.line = line;
  memo.at = p;
  return line;
}

type Fail = (field: string, detail: string) => TraceFormatError;

type HeaderLine = ReturnType<typeof HeaderLineSchema.parse>;

function parseHeader(value: unknown, fail: Fail): HeaderLine {
  const v = value as { format?: unknown; version?: unknown } | null;
  if (v?.format === TRACE_FORMAT && !(TRACE_FORMAT_VERSIONS_READ as readonly unknown[]).includes(v.version)) {
    throw fail('version', `trace format version ${JSON.stringify(v.version)} is not supported (this reader reads ${TRACE_FORMAT_VERSIONS_READ.join(' and ')})`);
  }
  if (v?.format !== TRACE_FORMAT) throw fail('format', `not an rlmtree trace (expected "${TRACE_FORMAT}" on the first line)`);
  const head = parsed(HeaderLineSchema, value, fail);
  // Checked before the initial state is decoded: a newer release's state may not parse here at all.
  if (head.promptVersion !== undefined) knownPromptVersion(head.promptVersion, 'promptVersion', fail);
  return head;
}

function knownPromptVersion(version: number, field: string, fail: Fail): void {
  try {
    promptSetFor({ version }, 'this trace');
  } catch (err) {
    if (err instanceof PromptVersionError) throw fail(field, err.message.replace(/^this trace: /, ''));
    throw err;
  }
}

/** Decodes the header's initial state once the blob lines that follow the header are read. */
function resolveHeader(head: HeaderLine, blobs: Map<string, string>, fail: Fail): TraceHeader {
  const initial = freeze(checkState(decoded(head.initial, blobs, 'initial', fail), 'initial', fail), true);
  const promptVersion = promptVersionOf(initial.prompt);
  knownPromptVersion(promptVersion, 'initial.prompt.version', fail);
  if (head.promptVersion !== undefined && head.promptVersion !== promptVersion) {
    throw fail('promptVersion', `the header names prompt version ${head.promptVersion} but its initial state was made with version ${promptVersion}`);
  }
  return {
    format: head.format,
    version: head.version,
    createdAt: head.createdAt,
    config: head.config,
    promptVersion,
    ...(head.forkedFrom ? { forkedFrom: head.forkedFrom } : {}),
    initial,
  };
}

function parsed<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown, fail: Fail): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw fail(fieldPath('', issue.path), issue.message);
  }
  return r.data;
}

function decoded(encoded: { json: unknown; meta?: unknown }, blobs: Map<string, string>, prefix: string, fail: Fail): unknown {
  try {
    return decodeValue(encoded, (h) => blobs.get(h));
  } catch (err) {
    if (err instanceof DecodeError) throw fail(fieldPath(prefix, err.field ? err.field.split('.') : []), err.message.slice(err.message.indexOf(': ') + 2));
    throw fail(prefix, `cannot decode: ${(err as Error).message}`);
  }
}
