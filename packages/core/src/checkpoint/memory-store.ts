/** `MemoryCheckpointStore`: checkpoints in this process's memory, for tests and short scripts. */
import type { RunState } from '../schema/state.ts';
import { checkStep, decodeCheckpoint, encodeCheckpoint, type CheckpointStore } from './store.ts';

/**
 * Keeps encoded documents (not live objects), so a saved state is a snapshot that later changes
 * cannot reach, and big strings are held once however many checkpoints use them.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  /** The encoded rows by run id, then step (exposed for inspection and tests). */
  readonly rows = new Map<string, Map<number, string>>();
  /** Blobs by sha256. Never collected: they may be shared by runs. */
  readonly blobs = new Map<string, string>();

  async put(state: RunState): Promise<void> {
    checkStep(state.step);
    const { doc, blobs } = encodeCheckpoint(state);
    for (const [h, t] of blobs) if (!this.blobs.has(h)) this.blobs.set(h, t);
    let run = this.rows.get(state.runId);
    if (!run) this.rows.set(state.runId, (run = new Map()));
    run.set(state.step, doc);
  }

  async get(runId: string, step?: number): Promise<RunState | undefined> {
    const run = this.rows.get(runId);
    if (!run) return undefined;
    const at = step ?? Math.max(-1, ...run.keys());
    const doc = run.get(at);
    if (doc === undefined) return undefined;
    return decodeCheckpoint(doc, (h) => this.blobs.get(h), { store: 'memory', runId, step: at });
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
  }

  async close(): Promise<void> {}
}
