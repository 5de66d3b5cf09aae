/**
 * `SqliteCheckpointStore`: checkpoints in one SQLite file through `node:sqlite` (built into
 * Node 22, no native build). Tables: `checkpoints(run_id, step, doc)` and `blob_bytes(sha256,
 * encoding, data)` (each big string's raw bytes, `blob-bytes.ts`; a file written before blobs were
 * raw keeps them JSON-encoded in `blobs(sha256, text)`, still read); WAL mode and a busy timeout let several processes share the file.
 * A put's optimistic check (`CheckpointStore.put`) runs inside its `BEGIN IMMEDIATE` transaction,
 * so two processes writing one run cannot both pass it.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { RunState } from '../schema/state.ts';
import { blobText, type BlobEncoding } from '../trace/blob-bytes.ts';
import { checkStep, CheckpointHeads, decodeCheckpoint, encodeCheckpoint, linkOf, type CheckpointStore } from './store.ts';

/** Checkpoints in a SQLite database file (or `:memory:`). */
export class SqliteCheckpointStore implements CheckpointStore {
  /** The database file. */
  readonly path: string;
  /** The open database (exposed for inspection and tests). */
  readonly db: DatabaseSync;
  private readonly q: Record<'putBlob' | 'hasBlob' | 'put' | 'get' | 'latest' | 'before' | 'list' | 'runs' | 'del' | 'delRun' | 'blob' | 'oldBlob', StatementSync>;
  private readonly heads = new CheckpointHeads();

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.db = db;
    db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, text TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS blob_bytes (sha256 TEXT PRIMARY KEY, encoding TEXT NOT NULL, data BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS checkpoints (
        run_id TEXT NOT NULL, step INTEGER NOT NULL, doc TEXT NOT NULL,
        PRIMARY KEY (run_id, step)
      );`);
    this.q = {
      putBlob: db.prepare('INSERT OR IGNORE INTO blob_bytes (sha256, encoding, data) VALUES (?, ?, ?)'),
      hasBlob: db.prepare('SELECT 1 AS x FROM blob_bytes WHERE sha256 = ? UNION ALL SELECT 1 FROM blobs WHERE sha256 = ? LIMIT 1'),
      put: db.prepare('INSERT INTO checkpoints (run_id, step, doc) VALUES (?, ?, ?)'),
      get: db.prepare('SELECT doc FROM checkpoints WHERE run_id = ? AND step = ?'),
      latest: db.prepare('SELECT step, doc FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1'),
      before: db.prepare('SELECT step, doc FROM checkpoints WHERE run_id = ? AND step < ? ORDER BY step DESC LIMIT 1'),
      list: db.prepare('SELECT step FROM checkpoints WHERE run_id = ? ORDER BY step'),
      runs: db.prepare('SELECT DISTINCT run_id FROM checkpoints ORDER BY run_id'),
      del: db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND step = ?'),
      delRun: db.prepare('DELETE FROM checkpoints WHERE run_id = ?'),
      blob: db.prepare('SELECT encoding, data FROM blob_bytes WHERE sha256 = ?'),
      oldBlob: db.prepare('SELECT text FROM blobs WHERE sha256 = ?'),
    };
  }

  /**
   * Opens (creating when missing) the database at `path`. `node:sqlite` is loaded here, so
   * programs that never use this store do not see its experimental-feature warning.
   * @throws Error when the file cannot be opened as a SQLite database.
   */
  static async open(path: string): Promise<SqliteCheckpointStore> {
    const { DatabaseSync } = await import('node:sqlite');
    return new SqliteCheckpointStore(path, new DatabaseSync(path));
  }

  async put(state: RunState): Promise<void> {
    checkStep(state.step);
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const latest = this.q.latest.get(state.runId) as { step: number; doc: string } | undefined;
      const prev = this.heads.admit(this.path, state.runId, state.step, latest && linkOf(String(latest.doc), Number(latest.step)));
      const { doc, blobs, bytesOf, link } = encodeCheckpoint(state, prev);
      // Raw bytes in a BLOB column (a lone surrogate: UTF-16LE), encoded only for blobs not stored yet.
      for (const hash of blobs.keys()) {
        if (this.q.hasBlob.get(hash, hash)) continue;
        const { bytes, encoding } = bytesOf(hash);
        this.q.putBlob.run(hash, encoding, bytes);
      }
      this.q.put.run(state.runId, state.step, doc);
      this.db.exec('COMMIT');
      this.heads.saw(state.runId, link);
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async get(runId: string, step?: number): Promise<RunState | undefined> {
    const row = (step === undefined ? this.q.latest.get(runId) : this.q.get.get(runId, step)) as { step?: number; doc: string } | undefined;
    if (!row) return undefined;
    const at = step ?? Number(row.step);
    const before = this.q.before.get(runId, at) as { step: number; doc: string } | undefined;
    const state = decodeCheckpoint(String(row.doc), (hash) => this.blob(hash), { store: this.path, runId, step: at }, before && { step: Number(before.step), doc: String(before.doc) });
    if (step === undefined) this.heads.saw(runId, linkOf(String(row.doc), at));
    return state;
  }

  private blob(hash: string): string | undefined {
    const raw = this.q.blob.get(hash) as { encoding: string; data: Uint8Array } | undefined;
    if (raw) {
      if (raw.encoding !== 'utf8' && raw.encoding !== 'utf-16le') return undefined; // the decoder names the field
      try {
        return blobText(raw.data, raw.encoding as BlobEncoding); // its hash is checked by the decoder
      } catch {
        return undefined;
      }
    }
    const row = this.q.oldBlob.get(hash) as { text: string } | undefined;
    if (!row) return undefined;
    try {
      const text: unknown = JSON.parse(row.text);
      return typeof text === 'string' ? text : undefined;
    } catch {
      return undefined; // reported by the decoder as a missing blob of the field that needs it
    }
  }

  async list(runId: string): Promise<number[]> {
    return (this.q.list.all(runId) as { step: number }[]).map((r) => Number(r.step));
  }

  async runs(): Promise<string[]> {
    return (this.q.runs.all() as { run_id: string }[]).map((r) => r.run_id);
  }

  async delete(runId: string, step?: number): Promise<void> {
    if (step === undefined) this.q.delRun.run(runId);
    else this.q.del.run(runId, step);
    const latest = this.q.latest.get(runId) as { step: number; doc: string } | undefined;
    this.heads.saw(runId, latest && linkOf(String(latest.doc), Number(latest.step)));
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
