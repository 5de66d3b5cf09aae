/**
 * Reading trace files: `readTrace(path) -> {header, steps, warnings}`. Every line is checked
 * (JSON, then the line's zod schema, then the decoded state / events against the run schemas).
 * A last line without its newline is what a killed writer leaves: it is reported in `warnings`
 * and ignored, so every completed step still loads. Anything else malformed throws a
 * `TraceFormatError` naming the file, the line and the field.
 */
import { readFile } from 'node:fs/promises';
import { freeze } from 'immer';
import { DecodeError, decodeValue, fieldPath, sha256 } from './codec.ts';
import {
  BlobLineSchema,
  checkEvents,
  checkState,
  HeaderLineSchema,
  StepLineSchema,
  TRACE_FORMAT,
  TRACE_FORMAT_VERSION,
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
}

/**
 * Reads and checks a trace file.
 * @throws TraceFormatError for malformed content (naming line and field); the fs error when the
 *   file cannot be read.
 */
export async function readTrace(path: string): Promise<Trace> {
  const { header, steps, warnings } = parseTrace(await readFile(path, 'utf8'), path);
  return { header, steps, warnings };
}

/**
 * Parses a trace's text (see `readTrace`). `path` only names the source in errors.
 * @throws TraceFormatError
 */
export function parseTrace(text: string, path = '<memory>'): ParsedTrace {
  const blobs = new Map<string, string>();
  const steps: TraceStep[] = [];
  const warnings: string[] = [];
  let head: HeaderLine | undefined;
  let header: TraceHeader | undefined;
  let truncated = false;
  let pos = 0;
  let line = 0;
  while (pos < text.length) {
    line += 1;
    const nl = text.indexOf('\n', pos);
    if (nl === -1) {
      if (!head) throw new TraceFormatError(path, line, '', 'the header line is truncated (no newline at its end)');
      truncated = true;
      warnings.push(`trace ${path}, line ${line}: the last line is truncated (${text.length - pos} characters without a newline, e.g. the writer was killed); ignored`);
      break;
    }
    const raw = text.slice(pos, nl);
    pos = nl + 1;
    const fail = (field: string, detail: string) => new TraceFormatError(path, line, field, detail);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw fail('', `not JSON (${(err as Error).message})`);
    }
    if (!head) {
      head = parseHeader(value, fail);
      continue;
    }
    const kind = (value as { kind?: unknown } | null)?.kind;
    if (kind === 'blob') {
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
    } else if (kind === 'header') {
      throw fail('kind', 'a second header');
    } else {
      throw fail('kind', `unknown line kind ${JSON.stringify(kind)} (expected blob or step)`);
    }
  }
  if (!head) throw new TraceFormatError(path, 1, '', 'the file is empty: no header');
  header ??= resolveHeader(head, blobs, (f, d) => new TraceFormatError(path, 1, f, d));
  return { header, steps, warnings, blobHashes: new Set(blobs.keys()), truncated };
}

type Fail = (field: string, detail: string) => TraceFormatError;

type HeaderLine = ReturnType<typeof HeaderLineSchema.parse>;

function parseHeader(value: unknown, fail: Fail): HeaderLine {
  const v = value as { format?: unknown; version?: unknown } | null;
  if (v?.format === TRACE_FORMAT && v.version !== TRACE_FORMAT_VERSION) {
    throw fail('version', `trace format version ${JSON.stringify(v.version)} is not supported (this reader reads ${TRACE_FORMAT_VERSION})`);
  }
  if (v?.format !== TRACE_FORMAT) throw fail('format', `not an rlmtree trace (expected "${TRACE_FORMAT}" on the first line)`);
  return parsed(HeaderLineSchema, value, fail);
}

/** Decodes the header's initial state once the blob lines that follow the header are read. */
function resolveHeader(head: HeaderLine, blobs: Map<string, string>, fail: Fail): TraceHeader {
  const initial = freeze(checkState(decoded(head.initial, blobs, 'initial', fail), 'initial', fail), true);
  return {
    format: head.format,
    version: head.version,
    createdAt: head.createdAt,
    config: head.config,
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
