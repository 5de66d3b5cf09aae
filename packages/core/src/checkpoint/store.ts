/**
 * The `CheckpointStore` interface: run states saved by run id and step, and the document format
 * every store shares (the trace codec: superjson with big strings kept once as sha256 blobs, so a
 * 100 MB context saved at 1,000 steps is stored once), sealed into one integrity chain per run
 * (docs/integrity.md): each document commits to its own text and to the run's checkpoint before
 * it, blobs are hashed again on every read, and a second writer of a run is refused.
 */
import { checkState } from '../trace/format.ts';
import { DecodeError, decodeValue, encodeValue, fieldPath, type BlobSource } from '../trace/codec.ts';
import { blobBytes, type BlobBytes } from '../trace/blob-bytes.ts';
import { chainHash, chainSeed, checkSeal, seal, unseal } from '../integrity/chain.ts';
import type { RunState } from '../schema/state.ts';
import { freeze } from 'immer';

/** Saves and loads run states by run id and step. Every method may be called concurrently. */
export interface CheckpointStore {
  /**
   * Saves `state` under `state.runId` and `state.step`, chained to the run's latest checkpoint.
   * Checkpoints of a run only go forward, and one writer at a time: the put is refused unless the
   * store's latest checkpoint of the run is the one this store object last wrote or read with
   * `get(runId)` (none for a new run) and `state.step` is after it. An optimistic check: nothing
   * is locked between puts, and a refused put changes nothing.
   * @throws CheckpointConflictError when another writer wrote the run since, or the step is not
   *   after the latest.
   */
  put(state: RunState): Promise<void>;
  /**
   * The state saved for `runId` at `step` (the latest step when omitted), or undefined when
   * there is none. Checks the document's chain, its link to the stored checkpoint before it and
   * every blob's hash. Reading the latest (no `step`) makes it where this object's next `put`
   * of the run continues.
   * @throws CheckpointCorruptError when the stored row does not decode to a valid state, was
   *   edited, belongs to another run or step, or does not follow the checkpoint stored before it.
   */
  get(runId: string, step?: number): Promise<RunState | undefined>;
  /** Steps saved for `runId`, ascending; empty for an unknown run. */
  list(runId: string): Promise<number[]>;
  /** Run ids with at least one checkpoint, sorted. */
  runs(): Promise<string[]>;
  /**
   * Deletes one step, or every step of the run when `step` is omitted. Missing ones are fine.
   * This object's next `put` of the run continues from the latest step left (rewinding a run in
   * place is: delete the later steps, then put).
   */
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
/**
 * Version of the checkpoint document format this code writes. 2: sealed into the run's chain;
 * version 1 documents (no chain) are still read.
 */
export const CHECKPOINT_FORMAT_VERSION = 2;

/** A put was refused: another writer wrote the run since, or the step does not go forward. */
export class CheckpointConflictError extends Error {
  readonly runId: string;
  /** The step that was refused. */
  readonly step: number;
  /** The store's latest step of the run when the put was refused. */
  readonly latestStep: number;
  /** @param detail why. */
  constructor(store: string, runId: string, step: number, latestStep: number, detail: string) {
    super(`checkpoint ${store} run ${JSON.stringify(runId)}: put of step ${step} refused: ${detail}`);
    this.name = 'CheckpointConflictError';
    this.runId = runId;
    this.step = step;
    this.latestStep = latestStep;
  }
}

/** Where a checkpoint sits in its run's chain: its step and its chain hash (64 hex). */
export interface ChainLink {
  step: number;
  chain: string;
}

/** A state as stored: a small JSON document plus the blobs it references (sha256 -> text). */
export interface EncodedCheckpoint {
  doc: string;
  blobs: Map<string, string>;
  /**
   * The bytes of a blob (`blob-bytes.ts`), for a store that writes blobs raw: encoded when asked,
   * so ask only for blobs the store does not hold yet.
   */
  bytesOf(sha256: string): BlobBytes;
  /** The document's place in the chain (what the next checkpoint of the run links to). */
  link: ChainLink;
}

/** The chain seed of a run's first checkpoint. */
function seedOf(runId: string): string {
  return chainSeed(CHECKPOINT_FORMAT, runId);
}

/**
 * Encodes a state for a store, sealed after `prev` (the run's latest stored checkpoint, null for
 * its first). `threshold`: strings longer than this many chars become blobs.
 */
export function encodeCheckpoint(state: RunState, prev: ChainLink | null = null, threshold?: number): EncodedCheckpoint {
  const blobs = new Map<string, string>();
  const value = encodeValue(state, (h, t) => blobs.set(h, t), threshold);
  const content = JSON.stringify({ format: CHECKPOINT_FORMAT, version: CHECKPOINT_FORMAT_VERSION, runId: state.runId, step: state.step, prev, state: value });
  const { text, chain } = seal(prev?.chain ?? seedOf(state.runId), content);
  const bytesOf = (h: string): BlobBytes => {
    const text = blobs.get(h);
    if (text === undefined) throw new RangeError(`checkpoint: no blob sha256:${h} in this document`);
    return blobBytes(text);
  };
  return { doc: text, blobs, bytesOf, link: { step: state.step, chain } };
}

/** Which row a document was read from, for checks and error messages. */
export interface CheckpointWhere {
  /** Names the store in errors (a folder, a database file, `memory`). */
  store: string;
  runId: string;
  step: number;
}

/** A stored document of the step before (the highest stored step below the one read). */
export interface PredecessorRow {
  step: number;
  doc: string;
}

/**
 * The chain link of a stored document, read cheaply (no blobs, no state decoding, no seal check:
 * a damaged predecessor is reported when it is read itself). A version 1 document carries no
 * chain; it stands for itself by the hash of its text, so a run saved before chains existed can
 * go on.
 */
export function linkOf(doc: string, step: number): ChainLink {
  const u = unseal(doc);
  return { step, chain: u ? u.chain : chainHash('rlmtree.checkpoint.v1', doc) };
}

/**
 * Decodes a stored document: its seal (the chain over its own text and its `prev`), the run and
 * step it names against the row's, its link to `predecessor` (the stored row just before it,
 * when any), every blob's hash, and the state against the run state schema. The result is frozen.
 * Version 1 documents (no chain) are decoded without the chain checks.
 * @throws CheckpointCorruptError naming `where.store`, the run, the step and the field.
 */
export function decodeCheckpoint(doc: string, blobs: BlobSource, where: CheckpointWhere, predecessor?: PredecessorRow): RunState {
  const fail = (field: string, detail: string) => new CheckpointCorruptError(where.store, where.runId, where.step, field, detail);
  let parsed: { format?: unknown; version?: unknown; runId?: unknown; step?: unknown; prev?: unknown; state?: { json: unknown; meta?: unknown } };
  try {
    parsed = JSON.parse(doc);
  } catch (err) {
    throw fail('', `not JSON (${(err as Error).message})`);
  }
  if (parsed?.format !== CHECKPOINT_FORMAT) throw fail('format', `expected "${CHECKPOINT_FORMAT}"`);
  if (parsed.version === CHECKPOINT_FORMAT_VERSION) checkChain(doc, parsed, where, predecessor, fail);
  else if (parsed.version !== 1) throw fail('version', `version ${JSON.stringify(parsed.version)} is not supported (this reader reads 1 and ${CHECKPOINT_FORMAT_VERSION})`);
  if (!parsed.state || typeof parsed.state !== 'object') throw fail('state', 'missing');
  let value: unknown;
  try {
    value = decodeValue(parsed.state, blobs, { verify: true });
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

function checkChain(
  doc: string,
  parsed: { runId?: unknown; step?: unknown; prev?: unknown },
  where: CheckpointWhere,
  predecessor: PredecessorRow | undefined,
  fail: (field: string, detail: string) => CheckpointCorruptError,
): void {
  if (parsed.runId !== where.runId || parsed.step !== where.step) {
    throw fail('', `the document is run ${JSON.stringify(parsed.runId)} step ${JSON.stringify(parsed.step)}, not the row's (moved or copied from elsewhere)`);
  }
  const prev = parsed.prev as ChainLink | null | undefined;
  const prevOk = prev === null || (typeof prev === 'object' && Number.isInteger(prev?.step) && typeof prev?.chain === 'string' && prev.step < where.step);
  if (!prevOk) throw fail('prev', 'must be null or {step, chain} of an earlier step');
  const bad = checkSeal(doc, prev?.chain ?? seedOf(where.runId));
  if (bad) throw fail('chain', bad.problem === 'unsealed' ? 'the document carries no chain' : 'the document does not hash to its chain: it was edited or damaged');
  if (!predecessor) return; // the run's first, or its predecessors were deleted
  if (prev === null) {
    throw fail('prev', `the document says it is the run's first checkpoint, but step ${predecessor.step} is stored before it (two writers interleaved, or rows from another history)`);
  }
  if (predecessor.step > prev.step) {
    throw fail('prev', `the document follows step ${prev.step}, but step ${predecessor.step} is stored between them (two writers interleaved, or rows from another history)`);
  }
  if (predecessor.step === prev.step && linkOf(predecessor.doc, predecessor.step).chain !== prev.chain) {
    throw fail('prev', `the document follows another step ${prev.step} than the one stored (rows from another history)`);
  }
}

/**
 * What a store object remembers of each run it writes: the chain link of the latest checkpoint
 * it wrote or read, and the optimistic check a `put` makes against the store's latest. Every
 * store keeps one and calls `admit` inside whatever makes its put atomic (a transaction, an
 * exclusive file create).
 */
export class CheckpointHeads {
  private readonly heads = new Map<string, ChainLink>();

  /** Remembers `link` as the latest this object knows of `runId` (after a put or a latest get). */
  saw(runId: string, link: ChainLink | undefined): void {
    if (link) this.heads.set(runId, link);
    else this.heads.delete(runId);
  }

  /**
   * The optimistic check of a put of `step` when the store's latest checkpoint of the run is
   * `latest`: returns the link the new document chains to (null for the run's first).
   * @throws CheckpointConflictError when `latest` is not what this object last wrote or read, or
   *   `step` is not after it.
   */
  admit(store: string, runId: string, step: number, latest: ChainLink | undefined): ChainLink | null {
    if (!latest) return null;
    const known = this.heads.get(runId);
    if (!known || known.chain !== latest.chain || known.step !== latest.step) {
      throw new CheckpointConflictError(
        store,
        runId,
        step,
        latest.step,
        `the run's latest checkpoint is step ${latest.step}, which this writer did not write or read (${known ? `it last saw step ${known.step}` : 'it has seen nothing of this run'}); ` +
          'another writer is writing this run. Read the latest with get(runId) to continue from it, or fork under a new run id',
      );
    }
    if (step <= latest.step) {
      throw new CheckpointConflictError(store, runId, step, latest.step, `step ${step} is not after the latest checkpoint, step ${latest.step} (a run's checkpoints only go forward: delete the later steps to rewind, or fork under a new run id)`);
    }
    return latest;
  }
}

/** @throws RangeError unless `step` is a non-negative integer. */
export function checkStep(step: number): void {
  if (!Number.isInteger(step) || step < 0) throw new RangeError(`checkpoint step must be a whole number >= 0, got ${step}`);
}
