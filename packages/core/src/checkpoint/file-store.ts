/**
 * `FileCheckpointStore`: checkpoints as files in a folder.
 *
 * ```
 * <dir>/runs/<run id, escaped>/<step, 12 digits>.json   the state document
 * <dir>/blobs/<sha256>.txt                              each big string, once, as its raw UTF-8 bytes
 * <dir>/blobs/<sha256>.utf16le                          (a string holding a lone surrogate: its UTF-16LE code units)
 * <dir>/blobs/<sha256>.json                             (written before blobs were raw: a JSON string; still read)
 * ```
 * Every file is written to a temp file first, so a reader or a killed writer never sees half a
 * file. A state document is then hard-linked to its name, which fails when the name exists, and
 * the writer checks afterwards that no other step appeared after the one it chained to: of two
 * processes writing one run (`CheckpointStore.put`), the later is refused and removes its file.
 */
import { writeFileAtomic } from '../util/atomic-write.ts';
import { blobText, type BlobEncoding } from '../trace/blob-bytes.ts';
import type { RunState } from '../schema/state.ts';
import { checkStep, CheckpointConflictError, CheckpointHeads, decodeCheckpoint, encodeCheckpoint, linkOf, type ChainLink, type CheckpointStore, type PredecessorRow } from './store.ts';
import { nodeCrypto, nodeFsPromises, nodeFs, nodePath } from '../util/builtins.ts';

const STEP_FILE = /^(\d{12})\.json$/;

/** A blob file's name ending for each encoding of its bytes (`blob-bytes.ts`). */
const BLOB_EXT: Record<BlobEncoding, string> = { utf8: '.txt', 'utf-16le': '.utf16le' };

/** Checkpoints in a folder (created when missing). */
export class FileCheckpointStore implements CheckpointStore {
  /** The folder. */
  readonly dir: string;
  private readonly heads = new CheckpointHeads();
  /** Blobs this object wrote or found in the folder (never deleted, so they stay there). */
  private readonly known = new Set<string>();

  /** @param dir the folder holding `runs/` and `blobs/`. */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** File of one checkpoint (whether or not it exists). */
  pathOf(runId: string, step: number): string {
    return nodePath().join(this.runDir(runId), `${String(step).padStart(12, '0')}.json`);
  }

  async put(state: RunState): Promise<void> {
    checkStep(state.step);
    const { runId, step } = state;
    const latest = await this.row(runId, Infinity);
    const prev = this.heads.admit(this.dir, runId, step, latest && linkOf(latest.doc, latest.step));
    const { doc, blobs, bytesOf, link } = encodeCheckpoint(state, prev);
    const blobDir = nodePath().join(this.dir, 'blobs');
    await nodeFsPromises().mkdir(blobDir, { recursive: true });
    for (const hash of blobs.keys()) {
      // Content-addressed: a file that exists already holds this text (its hash is checked on read).
      if (this.known.has(hash) || (await this.blobFile(hash))) {
        this.known.add(hash);
        continue;
      }
      // Raw bytes, not a JSON string: no escaping to write or parse (a lone surrogate: UTF-16LE).
      const { bytes, encoding } = bytesOf(hash);
      await writeFileAtomic(nodePath().join(blobDir, `${hash}${BLOB_EXT[encoding]}`), bytes);
      this.known.add(hash);
    }
    await nodeFsPromises().mkdir(this.runDir(runId), { recursive: true });
    const target = this.pathOf(runId, step);
    if (!linkNew(target, doc)) throw this.conflict(runId, step, prev, 'another writer saved this step first');
    // The optimistic check again, now that the file is in place: only this step may follow prev.
    const after = (await this.list(runId)).filter((s) => s > (prev?.step ?? -1));
    if (after.length !== 1 || after[0] !== step) {
      nodeFs().unlinkSync(target);
      throw this.conflict(runId, step, prev, `another writer saved step${after.length > 2 ? 's' : ''} ${after.filter((s) => s !== step).join(', ')} of this run at the same time`);
    }
    this.heads.saw(runId, link);
  }

  async get(runId: string, step?: number): Promise<RunState | undefined> {
    const row = step === undefined ? await this.row(runId, Infinity) : this.read(runId, step);
    if (!row) return undefined;
    const where = { store: this.dir, runId, step: row.step };
    const state = decodeCheckpoint(row.doc, (hash) => this.blob(hash), where, await this.row(runId, row.step));
    if (step === undefined) this.heads.saw(runId, linkOf(row.doc, row.step));
    return state;
  }

  async list(runId: string): Promise<number[]> {
    const names = await nodeFsPromises().readdir(this.runDir(runId)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    return names.flatMap((n) => {
      const m = STEP_FILE.exec(n);
      return m ? [Number(m[1])] : [];
    }).sort((a, b) => a - b);
  }

  async runs(): Promise<string[]> {
    const names = await nodeFsPromises().readdir(nodePath().join(this.dir, 'runs')).catch(() => [] as string[]);
    const ids: string[] = [];
    for (const n of names) {
      const id = decodeURIComponent(n);
      if ((await this.list(id)).length > 0) ids.push(id);
    }
    return ids.sort();
  }

  async delete(runId: string, step?: number): Promise<void> {
    if (step === undefined) await nodeFsPromises().rm(this.runDir(runId), { recursive: true, force: true });
    else await nodeFsPromises().rm(this.pathOf(runId, step), { force: true });
    const latest = await this.row(runId, Infinity);
    this.heads.saw(runId, latest && linkOf(latest.doc, latest.step));
  }

  async close(): Promise<void> {}

  private runDir(runId: string): string {
    if (runId === '') throw new RangeError('checkpoint run id is empty');
    // Escape everything but [A-Za-z0-9_-~'()!*] so an id can never name a path outside runs/.
    return nodePath().join(this.dir, 'runs', encodeURIComponent(runId).replaceAll('.', '%2E'));
  }

  /** The stored row with the highest step below `below`. */
  private async row(runId: string, below: number): Promise<PredecessorRow | undefined> {
    const steps = (await this.list(runId)).filter((s) => s < below);
    for (let i = steps.length - 1; i >= 0; i--) {
      const row = this.read(runId, steps[i]!);
      if (row) return row; // else deleted since the listing
    }
    return undefined;
  }

  private read(runId: string, step: number): PredecessorRow | undefined {
    try {
      return { step, doc: nodeFs().readFileSync(this.pathOf(runId, step), 'utf8') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private conflict(runId: string, step: number, prev: ChainLink | null, detail: string): CheckpointConflictError {
    return new CheckpointConflictError(this.dir, runId, step, prev?.step ?? -1, `${detail}; read the latest with get(runId) to continue from it, or fork under a new run id`);
  }

  /** The file holding blob `hash` (raw, or a JSON string written before blobs were raw), or undefined. */
  private async blobFile(hash: string): Promise<string | undefined> {
    for (const ext of [...Object.values(BLOB_EXT), '.json']) {
      const file = nodePath().join(this.dir, 'blobs', `${hash}${ext}`);
      if (await exists(file)) return file;
    }
    return undefined;
  }

  private blob(hash: string): string | undefined {
    for (const [encoding, ext] of Object.entries(BLOB_EXT) as [BlobEncoding, string][]) {
      const bytes = readIfThere(nodePath().join(this.dir, 'blobs', `${hash}${ext}`));
      if (bytes === undefined) continue;
      try {
        return blobText(bytes, encoding); // its hash is checked by the decoder
      } catch {
        return undefined; // odd-length UTF-16LE: the decoder reports the blob missing at its field
      }
    }
    try {
      const text: unknown = JSON.parse(nodeFs().readFileSync(nodePath().join(this.dir, 'blobs', `${hash}.json`), 'utf8'));
      return typeof text === 'string' ? text : undefined;
    } catch {
      return undefined; // reported by the decoder as a missing blob of the field that needs it
    }
  }
}

/**
 * Writes `text` to a temp file beside `target` (flushed to disk), then hard-links it to
 * `target`: false, and nothing written, when `target` exists.
 */
function linkNew(target: string, text: string): boolean {
  const tmp = `${target}.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`;
  const fd = nodeFs().openSync(tmp, 'wx');
  try {
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += nodeFs().writeSync(fd, buf, off, buf.length - off);
    nodeFs().fsyncSync(fd);
  } finally {
    nodeFs().closeSync(fd);
  }
  try {
    nodeFs().linkSync(tmp, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    nodeFs().unlinkSync(tmp);
  }
}

function readIfThere(path: string): Buffer | undefined {
  try {
    return nodeFs().readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return nodeFsPromises().stat(path).then(
    () => true,
    () => false,
  );
}
