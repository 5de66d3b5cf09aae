/**
 * The `CheckpointStore` interface: run states saved by run id and step, and the document format
 * every store shares (the trace codec: superjson with big strings kept once as sha256 blobs, so a
 * 100 MB context saved at 1,000 steps is stored once).
 */
import { checkState } from '../trace/format.ts';
import { DecodeError, decodeValue, encodeValue, fieldPath, type BlobSource } from '../trace/codec.ts';
import type { RunState } from '../schema/state.ts';
import { freeze } from 'immer';

/** Saves and loads run states by run id and step. Every method may be called concurrently. */
export interface CheckpointStore {
  /** Saves `state` under `state.runId` and `state.step`, replacing what was there. */
  put(state: RunState): Promise<void>;
  /**
   * The state saved for `runId` at `step` (the latest step when omitted), or undefined when
   * there is none.
   * @throws CheckpointCorruptError when the stored row does not decode to a valid state.
   */
  get(runId: string, step?: number): Promise<RunState | undefined>;
  /** Steps saved for `runId`, ascending; empty for an unknown run. */
  list(runId: string): Promise<number[]>;
  /** Run ids with at least one checkpoint, sorted. */
  runs(): Promise<string[]>;
  /** Deletes one step, or every step of the run when `step` is omitted. Missing ones are fine. */
  delete(runId: string, step?: number): Promise<void>;
  /** Frees what the store holds open (a database handle). Never rejects. */
  close(): Promise<void>;
}

/** A stored checkpoint does not decode to a valid run state; names the run, step and field. */
export class CheckpointCorruptError extends Error {
  readonly runId: string;
  readonly step: number;
  /** Dotted field path inside the checkpoint document ('' for the document as a whole). */
  readonly field: string;
  /** @param detail what is wrong. */
  constructor(store: string, runId: string, step: number, field: string, detail: string) {
    super(`checkpoint ${store} run ${JSON.stringify(runId)} step ${step}${field ? `, ${field}` : ''}: ${detail}`);
    this.name = 'CheckpointCorruptError';
    this.runId = runId;
    this.step = step;
    this.field = field;
  }
}

/** The `format` of a checkpoint document. */
export const CHECKPOINT_FORMAT = 'rlmtree.checkpoint';
/** Version of the checkpoint document format. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** A state as stored: a small JSON document plus the blobs it references (sha256 -> text). */
export interface EncodedCheckpoint {
  doc: string;
  blobs: Map<string, string>;
}

/** Encodes a state for a store. `threshold`: strings longer than this many chars become blobs. */
export function encodeCheckpoint(state: RunState, threshold?: number): EncodedCheckpoint {
  const blobs = new Map<string, string>();
  const value = encodeValue(state, (h, t) => blobs.set(h, t), threshold);
  const doc = JSON.stringify({ format: CHECKPOINT_FORMAT, version: CHECKPOINT_FORMAT_VERSION, state: value });
  return { doc, blobs };
}

/**
 * Decodes a stored document, checking it against the run state schema. The result is frozen.
 * @throws CheckpointCorruptError naming `store`, the run, the step and the field.
 */
export function decodeCheckpoint(doc: string, blobs: BlobSource, where: { store: string; runId: string; step: number }): RunState {
  const fail = (field: string, detail: string) => new CheckpointCorruptError(where.store, where.runId, where.step, field, detail);
  let parsed: { format?: unknown; version?: unknown; state?: { json: unknown; meta?: unknown } };
  try {
    parsed = JSON.parse(doc);
  } catch (err) {
    throw fail('', `not JSON (${(err as Error).message})`);
  }
  if (parsed?.format !== CHECKPOINT_FORMAT) throw fail('format', `expected "${CHECKPOINT_FORMAT}"`);
  if (parsed.version !== CHECKPOINT_FORMAT_VERSION) throw fail('version', `version ${JSON.stringify(parsed.version)} is not supported (this reader reads ${CHECKPOINT_FORMAT_VERSION})`);
  if (!parsed.state || typeof parsed.state !== 'object') throw fail('state', 'missing');
  let value: unknown;
  try {
    value = decodeValue(parsed.state, blobs);
  } catch (err) {
    if (err instanceof DecodeError) throw fail(fieldPath('state', err.field ? err.field.split('.') : []), err.message.slice(err.message.indexOf(': ') + 2));
    throw fail('state', `cannot decode: ${(err as Error).message}`);
  }
  const state = checkState(value, 'state', fail);
  if (state.runId !== where.runId || state.step !== where.step) {
    throw fail('state', `holds run ${JSON.stringify(state.runId)} step ${state.step}, not the row's`);
  }
  return freeze(state, true);
}

/** @throws RangeError unless `step` is a non-negative integer. */
export function checkStep(step: number): void {
  if (!Number.isInteger(step) || step < 0) throw new RangeError(`checkpoint step must be a whole number >= 0, got ${step}`);
}
