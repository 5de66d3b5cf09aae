/** `MemoryCheckpointStore`: checkpoints in this process's memory, for tests and short scripts. */
import type { RunState } from '../schema/state.ts';
import { checkStep, CheckpointHeads, decodeCheckpoint, encodeCheckpoint, linkOf, type CheckpointStore, type PredecessorRow } from './store.ts';

/**
 * Keeps encoded documents (not live objects), so a saved state is a snapshot that later changes
 * cannot reach, and big strings are held once however many checkpoints use them. Each object is
 * one writer (see `CheckpointStore.put`); `rows` and `blobs` may be shared to model several.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  /** The encoded rows by run id, then step (exposed for inspection and tests). */
  readonly rows: Map<string, Map<number, string>>;
  /** Blobs by sha256. Never collected: they may be shared by runs. */
  readonly blobs: Map<string, string>;
  private readonly heads = new CheckpointHeads();

  /**
   * @param shared another memory store whose rows and blobs this one reads and writes (a second
   *   writer of the same data, as two processes are of one database).
   */
  constructor(shared?: MemoryCheckpointStore) {
    this.rows = shared?.rows ?? new Map();
    this.blobs = shared?.blobs ?? new Map();
  }

  async put(state: RunState): Promise<void> {
    checkStep(state.step);
    const run = this.rows.get(state.runId);
    const latest = run ? lastRow(run, Infinity) : undefined;
    const prev = this.heads.admit('memory', state.runId, state.step, latest && linkOf(latest.doc, latest.step));
    const { doc, blobs, link } = encodeCheckpoint(state, prev);
    for (const [h, t] of blobs) if (!this.blobs.has(h)) this.blobs.set(h, t);
    if (run) run.set(state.step, doc);
    else this.rows.set(state.runId, new Map([[state.step, doc]]));
    this.heads.saw(state.runId, link);
  }

  async get(runId: string, step?: number): Promise<RunState | undefined> {
    const run = this.rows.get(runId);
    if (!run) return undefined;
    const at = step ?? Math.max(-1, ...run.keys());
    const doc = run.get(at);
    if (doc === undefined) return undefined;
    const state = decodeCheckpoint(doc, (h) => this.blobs.get(h), { store: 'memory', runId, step: at }, lastRow(run, at));
    if (step === undefined) this.heads.saw(runId, linkOf(doc, at));
    return state;
  }

  async list(runId: string): Promise<number[]> {
    return [...(this.rows.get(runId)?.keys() ?? [])].sort((a, b) => a - b);
  }

  async runs(): Promise<string[]> {
    return [...this.rows.keys()].filter((r) => this.rows.get(r)!.size > 0).sort();
  }

  async delete(runId: string, step?: number): Promise<void> {
    if (step === undefined) this.rows.delete(runId);
    else this.rows.get(runId)?.delete(step);
    const run = this.rows.get(runId);
    const latest = run ? lastRow(run, Infinity) : undefined;
    this.heads.saw(runId, latest && linkOf(latest.doc, latest.step));
  }

  async close(): Promise<void> {}
}

/** The row with the highest step below `below`. */
function lastRow(run: Map<number, string>, below: number): PredecessorRow | undefined {
  let best: number | undefined;
  for (const s of run.keys()) if (s < below && (best === undefined || s > best)) best = s;
  return best === undefined ? undefined : { step: best, doc: run.get(best)! };
}
