/**
 * The trace file format (JSONL, one JSON object per line):
 *
 * ```
 * {"kind":"header","format":"rlmtree.trace","version":1,"createdAt":"…","config":{…},"initial":<encoded RunState>}
 * {"kind":"blob","sha256":"<hex>","chars":104857600,"text":"…"}      (before the first line using it)
 * {"kind":"step","step":1,"events":<encoded RunEvent[]>}
 * …
 * ```
 * `<encoded …>` is `codec.ts`'s `{json, meta}`: superjson with big strings replaced by blob
 * references. Each step line holds every event folded by that step (interventions made before
 * it come first), so `reduceAll(states[i], steps[i].events)` gives `states[i + 1]`.
 */
import { z } from 'zod';
import { RunEventSchema, type RunEvent } from '../schema/events.ts';
import { JsonSchema, RunStateSchema, type Json, type RunState } from '../schema/state.ts';
import { fieldPath } from './codec.ts';

/** The `format` string of a trace header. */
export const TRACE_FORMAT = 'rlmtree.trace';
/** Version of the trace format this code writes and reads. */
export const TRACE_FORMAT_VERSION = 1;

const EncodedSchema = z.object({ json: z.unknown(), meta: z.unknown().optional() });

/** The first line of a trace. */
export const HeaderLineSchema = z.object({
  kind: z.literal('header'),
  format: z.literal(TRACE_FORMAT),
  version: z.literal(TRACE_FORMAT_VERSION),
  /** ISO 8601 time the trace was started. */
  createdAt: z.string(),
  /** Free-form facts about how the run was made (CLI: model spec, runtime), JSON only. */
  config: z.record(z.string(), JsonSchema),
  /** When this trace is a fork: the trace, run and step it was forked from. */
  forkedFrom: z.object({ runId: z.string(), step: z.number().int().nonnegative(), path: z.string().optional() }).optional(),
  initial: EncodedSchema,
});

/** A content-addressed string (sha256 of its UTF-8 bytes, hex). */
export const BlobLineSchema = z.object({
  kind: z.literal('blob'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Length of `text` in UTF-16 code units (JS string length), as a check. */
  chars: z.number().int().nonnegative(),
  text: z.string(),
});

/** One step: the events that took the previous state to `step`. */
export const StepLineSchema = z.object({
  kind: z.literal('step'),
  /** The state's `step` after these events. */
  step: z.number().int().positive(),
  events: EncodedSchema,
});

/** Any line after the header. */
export const TraceLineSchema = z.discriminatedUnion('kind', [BlobLineSchema, StepLineSchema]);

/** A trace's header, decoded. */
export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_FORMAT_VERSION;
  /** ISO 8601. */
  createdAt: string;
  config: Record<string, Json>;
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
  return value as RunState;
}

const EventsSchema = z.array(RunEventSchema);

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
