/**
 * `FileCheckpointStore`: checkpoints as files in a folder.
 *
 * ```
 * <dir>/runs/<run id, escaped>/<step, 12 digits>.json   the state document
 * <dir>/blobs/<sha256>.json                             each big string, once, as a JSON string
 * ```
 * Every file is written to a temp file and renamed (write-file-atomic), so a reader or a killed
 * writer never sees half a file, and writers of different runs (or processes) do not collide.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { RunState } from '../schema/state.ts';
import { checkStep, decodeCheckpoint, encodeCheckpoint, type CheckpointStore } from './store.ts';

const STEP_FILE = /^(\d{12})\.json$/;

/** Checkpoints in a folder (created when missing). */
export class FileCheckpointStore implements CheckpointStore {
  /** The folder. */
  readonly dir: string;

  /** @param dir the folder holding `runs/` and `blobs/`. */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** File of one checkpoint (whether or not it exists). */
  pathOf(runId: string, step: number): string {
    return join(this.runDir(runId), `${String(step).padStart(12, '0')}.json`);
  }

  async put(state: RunState): Promise<void> {
    checkStep(state.step);
    const { doc, blobs } = encodeCheckpoint(state);
    const blobDir = join(this.dir, 'blobs');
    await mkdir(blobDir, { recursive: true });
    for (const [hash, text] of blobs) {
      const file = join(blobDir, `${hash}.json`);
      // Content-addressed: a file that exists already holds this text.
      // JSON-encoded: a lone surrogate survives (raw UTF-8 would replace it).
      if (!(await exists(file))) await writeFileAtomic(file, JSON.stringify(text), 'utf8');
    }
    await mkdir(this.runDir(state.runId), { recursive: true });
    await writeFileAtomic(this.pathOf(state.runId, state.step), doc, 'utf8');
  }

  async get(runId: string, step?: number): Promise<RunState | undefined> {
    const at = step ?? (await this.list(runId)).at(-1);
    if (at === undefined) return undefined;
    let doc: string;
    try {
      doc = readFileSync(this.pathOf(runId, at), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return decodeCheckpoint(doc, (hash) => this.blob(hash), { store: this.dir, runId, step: at });
  }

  async list(runId: string): Promise<number[]> {
    const names = await readdir(this.runDir(runId)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    return names.flatMap((n) => {
      const m = STEP_FILE.exec(n);
      return m ? [Number(m[1])] : [];
    }).sort((a, b) => a - b);
  }

  async runs(): Promise<string[]> {
    const names = await readdir(join(this.dir, 'runs')).catch(() => [] as string[]);
    const ids: string[] = [];
    for (const n of names) {
      const id = decodeURIComponent(n);
      if ((await this.list(id)).length > 0) ids.push(id);
    }
    return ids.sort();
  }

  async delete(runId: string, step?: number): Promise<void> {
    if (step === undefined) await rm(this.runDir(runId), { recursive: true, force: true });
    else await rm(this.pathOf(runId, step), { force: true });
  }

  async close(): Promise<void> {}

  private runDir(runId: string): string {
    if (runId === '') throw new RangeError('checkpoint run id is empty');
    // Escape everything but [A-Za-z0-9_-~'()!*] so an id can never name a path outside runs/.
    return join(this.dir, 'runs', encodeURIComponent(runId).replaceAll('.', '%2E'));
  }

  private blob(hash: string): string | undefined {
    try {
      const text: unknown = JSON.parse(readFileSync(join(this.dir, 'blobs', `${hash}.json`), 'utf8'));
      return typeof text === 'string' ? text : undefined;
    } catch {
      return undefined; // reported by the decoder as a missing blob of the field that needs it
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
