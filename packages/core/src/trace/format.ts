/**
 * The trace file format (JSONL, one JSON object per line):
 *
 * ```
 * {"kind":"header","format":"rlmtree.trace","version":2,"runId":"…","createdAt":"…","config":{…},"initial":<encoded RunState>,"chain":"<hex>"}
 * {"kind":"blob","sha256":"<hex>","chars":104857600,"bytes":104857600,"encoding":"utf8","chain":"<hex>"}
 * <the blob's 104857600 raw bytes>                                       (before the first line using it)
 * {"kind":"step","step":1,"events":<encoded RunEvent[]>,"chain":"<hex>"}
 * …
 * {"kind":"end","step":7,"chain":"<hex>"}                                   (written when the writer closes)
 * ```
 * Every line ends with its `chain` (integrity/chain.ts): sha256 of the chain before it and the
 * line's own text, the header's seeded by the run id, so an edited, moved, repeated, dropped or
 * spliced line is found on read. A blob line (version 3) is followed by its text's raw bytes and a
 * newline: no JSON escaping either way, so a 100 MB context is written and read as bytes. The
 * chain covers the blob line, which names the bytes' sha256 and length, and the reader hashes the
 * bytes again, so a damaged byte is found too. "Line" in errors counts records: a blob's bytes
 * belong to its line. Version 2 traces (blob text as a JSON string in the line) and version 1
 * (no chain, no end line) are still read, and appended to in their own version.
 * `<encoded …>` is `codec.ts`'s `{json, meta}`: superjson with big strings replaced by blob
 * references. Each step line holds every event folded by that step (interventions made before
 * it come first), so `reduceAll(states[i], steps[i].events)` gives `states[i + 1]`.
 */
import { z } from '../schema/zod.ts';
import { RunEventSchema, type RunEvent } from '../schema/events.ts';
import { JsonSchema, RunStateSchema, type Json, type RunState } from '../schema/state.ts';
import { fieldPath } from './codec.ts';
import { lazySchema, real } from '../schema/lazy.ts';

/** The `format` string of a trace header. */
export const TRACE_FORMAT = 'rlmtree.trace';
/** Version of the trace format this code writes (3: chained lines, blobs as raw bytes); it reads 1, 2 and 3. */
export const TRACE_FORMAT_VERSION = 3;
/** Trace format versions this code reads. */
export const TRACE_FORMAT_VERSIONS_READ = [1, 2, 3] as const;
/** A trace format version this code reads. */
export type TraceFormatVersion = (typeof TRACE_FORMAT_VERSIONS_READ)[number];

const EncodedSchema = lazySchema(() => z.object({ json: z.unknown(), meta: z.unknown().optional() }));

/** The first line of a trace. */
export const HeaderLineSchema = lazySchema(() => z.object({
  kind: z.literal('header'),
  format: z.literal(TRACE_FORMAT),
  version: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  /** The run's id (version 2 on): the chain is seeded by it, and it must be the initial state's. */
  runId: z.string().optional(),
  /** ISO 8601 time the trace was started. */
  createdAt: z.string(),
  /** Free-form facts about how the run was made (CLI: model spec, runtime), JSON only. */
  config: z.record(z.string(), real(JsonSchema)),
  /**
   * The prompt version the run's wording and reply rules come from (`RunState.prompt`); absent in
   * traces written before prompts were versioned (version 1). A reader without it refuses the trace.
   */
  promptVersion: z.number().int().positive().optional(),
  /** When this trace is a fork: the trace, run and step it was forked from. */
  forkedFrom: z.object({ runId: z.string(), step: z.number().int().nonnegative(), path: z.string().optional() }).optional(),
  initial: real(EncodedSchema),
}));

/** A content-addressed string (sha256 of its UTF-8 bytes, hex), its text in the line (versions 1 and 2). */
export const BlobLineSchema = lazySchema(() => z.object({
  kind: z.literal('blob'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Length of `text` in UTF-16 code units (JS string length), as a check. */
  chars: z.number().int().nonnegative(),
  text: z.string(),
}));

/**
 * A content-addressed string whose text follows the line as raw bytes (version 3): `bytes` bytes
 * in `encoding` (`blob-bytes.ts`: UTF-8, or UTF-16LE for a string holding a lone surrogate), then
 * a newline. `sha256` is the blob's address, checked against the bytes on read.
 */
export const RawBlobLineSchema = lazySchema(() => z.object({
  kind: z.literal('blob'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Length of the text in UTF-16 code units (JS string length), as a check. */
  chars: z.number().int().nonnegative(),
  /** Length of the raw bytes after the line's newline. */
  bytes: z.number().int().nonnegative(),
  encoding: z.enum(['utf8', 'utf-16le']),
}));

/** One step: the events that took the previous state to `step`. */
export const StepLineSchema = lazySchema(() => z.object({
  kind: z.literal('step'),
  /** The state's `step` after these events. */
  step: z.number().int().positive(),
  events: real(EncodedSchema),
}));

/** The last line of a trace whose writer closed it (version 2 on): the last step recorded. */
export const EndLineSchema = lazySchema(() => z.object({
  kind: z.literal('end'),
  step: z.number().int().nonnegative(),
}));


/** A trace's header, decoded. */
export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  /** The version the file was written in (a trace written now: `TRACE_FORMAT_VERSION`). */
  version: TraceFormatVersion;
  /** ISO 8601. */
  createdAt: string;
  config: Record<string, Json>;
  /** The prompt version the run was recorded with (1 for traces from before prompts were versioned). */
  promptVersion: number;
  forkedFrom?: { runId: string; step: number; path?: string };
  /** The state before the first step (`step` 0 for a new run). */
  initial: RunState;
}

/** One recorded step. */
export interface TraceStep {
  /** The state's `step` after `events`. */
  step: number;
  /** Every event folded by the step, interventions first, `step_ended` last. */
  events: RunEvent[];
}

/** A whole trace in memory: what `readTrace` returns and `writeTrace` writes. */
export interface Trace {
  header: TraceHeader;
  steps: TraceStep[];
  /** Problems that did not stop the read, e.g. a truncated last line that was ignored. */
  warnings: string[];
}

/** A trace file is malformed: names the file, the 1-based line and the field. */
export class TraceFormatError extends Error {
  /** The file (or `<memory>`). */
  readonly path: string;
  /** 1-based line number. */
  readonly line: number;
  /** Dotted field path inside the line, or '' for the line as a whole. */
  readonly field: string;
  /** @param detail what is wrong. */
  constructor(path: string, line: number, field: string, detail: string) {
    super(`trace ${path}, line ${line}${field ? `, ${field}` : ''}: ${detail}`);
    this.name = 'TraceFormatError';
    this.path = path;
    this.line = line;
    this.field = field;
  }
}

/**
 * Checks a decoded state against `RunStateSchema` and returns the value itself (not zod's copy,
 * so keys keep their order and the value is exactly what was stored).
 * @throws the error `fail(field, detail)` makes for the first issue.
 */
export function checkState(value: unknown, prefix: string, fail: (field: string, detail: string) => Error): RunState {
  const parsed = RunStateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = deepest(parsed.error.issues[0]!);
    throw fail(fieldPath(prefix, issue.path), issue.message);
  }
  const pending = (value as RunState).pending;
  // The state schema cannot name the event schemas (they import it); the entries are checked here.
  if (pending) checkEvents(pending, fieldPath(prefix, ['pending']), fail);
  return value as RunState;
}

const EventsSchema = lazySchema(() => z.array(real(RunEventSchema)));

/** Like `checkState`, for a step's list of events. */
export function checkEvents(value: unknown, prefix: string, fail: (field: string, detail: string) => Error): RunEvent[] {
  const parsed = EventsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = deepest(parsed.error.issues[0]!);
    throw fail(fieldPath(prefix, issue.path), issue.message);
  }
  return value as RunEvent[];
}

interface Issue {
  path: PropertyKey[];
  message: string;
  code?: string;
  errors?: Issue[][];
}

/**
 * zod reports a union that matched no branch as one "Invalid input" at the union; the useful
 * issue is inside the branch that got furthest (the one whose discriminator matched). Finds it.
 */
export function deepest(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue;
  let best: Issue | null = null;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (!first) continue;
    const inner = deepest(first);
    if (!best || inner.path.length > best.path.length) best = inner;
  }
  return best ? { ...best, path: [...issue.path, ...best.path] } : issue;
}
