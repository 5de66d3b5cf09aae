/**
 * A `CheckpointStore` over one flat `Map<string, string>`: the shape of any synchronous
 * key-value store (a Map, `localStorage`, an embedded KV). Documents live at
 * `doc/<run id>/<step>`, shared big strings at `blob/<sha256>`. Everything that makes a
 * checkpoint a checkpoint (encoding, blobs, the integrity chain, the single-writer check) comes
 * from `@rlmtree/core`; this file only says where the strings go.
 */
import { checkStep, CheckpointHeads, decodeCheckpoint, encodeCheckpoint, linkOf, type CheckpointStore, type PredecessorRow, type RunState } from '@rlmtree/core';

const docKey = (runId: string, step: number) => `doc/${encodeURIComponent(runId)}/${step}`;
const blobKey = (sha256: string) => `blob/${sha256}`;

/** See the file comment. Each object is one writer; pass the same `map` to model two. */
export class MapCheckpointStore implements CheckpointStore {
  /** The backing map (keys above). */
  readonly map: Map<string, string>;
  private readonly heads = new CheckpointHeads();

  /** @param map the key-value store to keep checkpoints in (default: a new Map). */
  constructor(map: Map<string, string> = new Map()) {
    this.map = map;
  }

  async put(state: RunState): Promise<void> {
    checkStep(state.step);
    const latest = this.below(state.runId, Infinity);
    const prev = this.heads.admit('map', state.runId, state.step, latest && linkOf(latest.doc, latest.step));
    const { doc, blobs, link } = encodeCheckpoint(state, prev);
    for (const [sha, text] of blobs) if (!this.map.has(blobKey(sha))) this.map.set(blobKey(sha), text);
    this.map.set(docKey(state.runId, state.step), doc);
    this.heads.saw(state.runId, link);
  }

  async get(runId: string, step?: number): Promise<RunState | undefined> {
    const at = step ?? this.steps(runId).at(-1);
    if (at === undefined) return undefined;
    const doc = this.map.get(docKey(runId, at));
    if (doc === undefined) return undefined;
    const state = decodeCheckpoint(doc, (sha) => this.map.get(blobKey(sha)), { store: 'map', runId, step: at }, this.below(runId, at));
    if (step === undefined) this.heads.saw(runId, linkOf(doc, at));
    return state;
  }

  async list(runId: string): Promise<number[]> {
    return this.steps(runId);
  }

  async runs(): Promise<string[]> {
    const runs = new Set<string>();
    for (const key of this.map.keys()) if (key.startsWith('doc/')) runs.add(decodeURIComponent(key.split('/')[1]!));
    return [...runs].sort();
  }

  async delete(runId: string, step?: number): Promise<void> {
    for (const s of step === undefined ? this.steps(runId) : [step]) this.map.delete(docKey(runId, s));
    const latest = this.below(runId, Infinity);
    this.heads.saw(runId, latest && linkOf(latest.doc, latest.step));
  }

  async close(): Promise<void> {}

  /** The run's steps, ascending. */
  private steps(runId: string): number[] {
    const prefix = `doc/${encodeURIComponent(runId)}/`;
    return [...this.map.keys()].filter((k) => k.startsWith(prefix)).map((k) => Number(k.slice(prefix.length))).sort((a, b) => a - b);
  }

  /** The stored row with the highest step below `step` (the chain's predecessor). */
  private below(runId: string, step: number): PredecessorRow | undefined {
    const s = this.steps(runId).filter((x) => x < step).at(-1);
    return s === undefined ? undefined : { step: s, doc: this.map.get(docKey(runId, s))! };
  }
}
