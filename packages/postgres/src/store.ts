/**
 * `PostgresCheckpointStore`: run states in PostgreSQL through the `pg` client. Each step is one
 * row of `checkpoints` written in one transaction with the blobs it references (content-addressed,
 * stored once, re-hashed on read) and the step's events. Workers write with `appendStep`, whose
 * step number is the optimistic-concurrency check: a second writer of a run's step is refused,
 * never interleaved.
 */
import {
  blobBytesHash,
  blobText,
  CheckpointCorruptError,
  CheckpointHeads,
  decodeCheckpoint,
  linkOf,
  decodeValue,
  encodeCheckpoint,
  encodeValue,
  sha256,
  type CheckpointStore,
  type RunEvent,
  type RunState,
} from '@rlmtree/core';
import type pg from 'pg';
import { describeUrl, inTransaction, openPool, type PoolOptions } from './connect.ts';
import { DEFAULT_SCHEMA, ensureSchema, ident } from './schema.ts';

/** Options of `PostgresCheckpointStore.open`. */
export interface PostgresStoreOptions extends PoolOptions {
  /** The Postgres schema (namespace) of the tables (default `rlmtree`). */
  schema?: string;
  /** Create or upgrade the tables when needed (default true); false: refuse an older schema. */
  migrate?: boolean;
}

/** Another writer already wrote this run's step (or the run moved past the step the writer started from). */
export class StepConflictError extends Error {
  readonly runId: string;
  /** The step the writer tried to add. */
  readonly step: number;
  /** @param latest the run's latest step in the database (-1: none). */
  constructor(runId: string, step: number, latest: number) {
    super(`run ${JSON.stringify(runId)}: step ${step} was not written: the run's latest stored step is ${latest}, another writer advanced it`);
    this.name = 'StepConflictError';
    this.runId = runId;
    this.step = step;
  }
}

/** One stored step with its events, as `steps()` reads it back. */
export interface StoredStep {
  step: number;
  /** The events folded into the state of this step (empty for step 0 and `put` rows). */
  events: RunEvent[];
  /** Who wrote it (a worker id), when known. */
  writer: string | null;
  writtenAt: Date;
}

const BLOB_REF = /\\u0000blob:sha256:([0-9a-f]{64})/g;
const BLOB_CACHE_CHARS = 256 << 20;

/** Checkpoints in PostgreSQL. Every method may be called concurrently (a pool of connections). */
export class PostgresCheckpointStore implements CheckpointStore {
  /** The pool (shared with the queue of the same database; exposed for inspection and tests). */
  readonly pool: pg.Pool;
  /** The quoted schema name, for SQL. */
  readonly schema: string;
  /** Where the store is, for error messages (no credentials). */
  readonly where: string;
  private readonly ownsPool: boolean;
  private readonly heads = new CheckpointHeads();
  // Blobs already verified, by hash: a worker reads the same context at every step.
  private readonly cache = new Map<string, string>();
  private cachedChars = 0;
  // Hashes of blobs known to be in the table (written by a committed transaction here, or read).
  private readonly known = new Set<string>();

  /** @param pool an open pool on a database whose schema `ensureSchema` has checked. */
  constructor(pool: pg.Pool, options: { schema?: string; where?: string; ownsPool?: boolean } = {}) {
    this.pool = pool;
    this.schema = ident(options.schema ?? DEFAULT_SCHEMA);
    this.where = options.where ?? 'postgres';
    this.ownsPool = options.ownsPool ?? false;
  }

  /**
   * Connects to `url`, creates or upgrades the tables, and returns the store.
   * @throws PostgresUnreachableError when the server cannot be reached.
   * @throws SchemaVersionError when the database holds a schema of another version.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresCheckpointStore> {
    const pool = await openPool(url, options);
    try {
      await ensureSchema(pool, options.schema ?? DEFAULT_SCHEMA, options.migrate ?? true);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PostgresCheckpointStore(pool, { ...(options.schema ? { schema: options.schema } : {}), where: `postgres ${describeUrl(url)}`, ownsPool: true });
  }

  async put(state: RunState): Promise<void> {
    await this.write(state, null, null, 'replace');
  }

  /**
   * Adds step `state.step` of a run whose latest stored step is `state.step - 1` (or a run's first
   * state at any step when it has none), with the step's `events`, in one transaction. `within`
   * runs inside that transaction (a queue updates its run row there).
   * @throws StepConflictError when the run's latest stored step is not `state.step - 1`.
   */
  async appendStep(state: RunState, events: readonly RunEvent[], options: { writer?: string; within?: (client: pg.PoolClient) => Promise<void> } = {}): Promise<void> {
    await this.write(state, events, options.writer ?? null, 'append', options.within);
  }

  /**
   * `appendStep` inside a transaction the caller holds on `client` (a queue submitting a run with
   * its row and job). @throws StepConflictError like `appendStep`; the caller rolls back.
   */
  async appendStepWith(client: pg.PoolClient, state: RunState, events: readonly RunEvent[], writer: string | null = null): Promise<void> {
    await this.writeRow(client, state, events, writer, 'append');
  }

  private async write(state: RunState, events: readonly RunEvent[] | null, writer: string | null, mode: 'replace' | 'append', within?: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const { link, fresh } = await inTransaction(this.pool, async (client) => {
      const written = await this.writeRow(client, state, events, writer, mode);
      await within?.(client);
      return written;
    });
    this.heads.saw(state.runId, link);
    for (const h of fresh) this.known.add(h);
  }

  /** Writes one checkpoint row (and its new blobs) inside the caller's transaction; returns the new chain link and the blobs sent. */
  private async writeRow(client: pg.PoolClient, state: RunState, events: readonly RunEvent[] | null, writer: string | null, mode: 'replace' | 'append') {
    if (!Number.isInteger(state.step) || state.step < 0) throw new RangeError(`checkpoint step must be a whole number >= 0, got ${state.step}`);
    const s = this.schema;
    // One writer of a run at a time inside this transaction: the optimistic check below and the
    // insert see the same latest row (plain row locks would not stop a concurrent insert).
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${s}:${state.runId}`]);
    const latest = (await client.query<{ step: number; doc: string }>(`SELECT step, doc FROM ${s}.checkpoints WHERE run_id = $1 ORDER BY step DESC LIMIT 1`, [state.runId])).rows[0];
    const latestLink = latest && linkOf(latest.doc, latest.step);
    let prev;
    if (mode === 'replace') prev = this.heads.admit(this.where, state.runId, state.step, latestLink);
    else {
      // appendStep: the step number is the check: the run's latest step must be the one before.
      if (latest && latest.step !== state.step - 1) throw new StepConflictError(state.runId, state.step, latest.step);
      prev = latestLink ?? null;
    }
    const { doc, blobs, bytesOf, link } = encodeCheckpoint(state, prev);
    let eventsText: string | null = null;
    if (events) eventsText = JSON.stringify(encodeValue(events, (h, t) => blobs.set(h, t)));
    // Blobs this store already wrote or read are not sent again (a 10 MB context at every step
    // would dominate the write); blobs are never deleted, so a known one stays stored.
    const fresh = [...blobs.keys()].filter((h) => !this.known.has(h));
    // Raw bytes (bytea), not a JSON string: nothing to escape on write or parse on read.
    for (const h of fresh) {
      const { bytes, encoding } = bytesOf(h);
      await client.query(`INSERT INTO ${s}.blob_bytes (sha256, encoding, data) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING`, [h, encoding, bytes]);
    }
    await client.query(`INSERT INTO ${s}.checkpoints (run_id, step, doc, events, writer) VALUES ($1, $2, $3, $4, $5)`, [state.runId, state.step, doc, eventsText, writer]);
    return { link, fresh };
  }

  async get(runId: string, step?: number): Promise<RunState | undefined> {
    const s = this.schema;
    const { rows } =
      step === undefined
        ? await this.pool.query<{ step: number; doc: string }>(`SELECT step, doc FROM ${s}.checkpoints WHERE run_id = $1 ORDER BY step DESC LIMIT 1`, [runId])
        : await this.pool.query<{ step: number; doc: string }>(`SELECT step, doc FROM ${s}.checkpoints WHERE run_id = $1 AND step = $2`, [runId, step]);
    const row = rows[0];
    if (!row) return undefined;
    const where = { store: this.where, runId, step: row.step };
    const before = (await this.pool.query<{ step: number; doc: string }>(`SELECT step, doc FROM ${s}.checkpoints WHERE run_id = $1 AND step < $2 ORDER BY step DESC LIMIT 1`, [runId, row.step])).rows[0];
    const blobs = await this.blobs([...row.doc.matchAll(BLOB_REF)].map((m) => m[1]!), where);
    const state = decodeCheckpoint(row.doc, (h) => blobs.get(h), where, before);
    if (step === undefined) this.heads.saw(runId, linkOf(row.doc, row.step));
    return state;
  }

  /**
   * Every stored step of `runId` with its events, ascending.
   * @throws CheckpointCorruptError when a row's events do not decode.
   */
  async steps(runId: string): Promise<StoredStep[]> {
    const { rows } = await this.pool.query<{ step: number; events: string | null; writer: string | null; written_at: Date }>(
      `SELECT step, events, writer, written_at FROM ${this.schema}.checkpoints WHERE run_id = $1 ORDER BY step`,
      [runId],
    );
    const out: StoredStep[] = [];
    for (const row of rows) {
      const where = { store: this.where, runId, step: row.step };
      let events: RunEvent[] = [];
      if (row.events !== null) {
        const blobs = await this.blobs([...row.events.matchAll(BLOB_REF)].map((m) => m[1]!), where);
        try {
          events = decodeValue(JSON.parse(row.events), (h) => blobs.get(h)) as RunEvent[];
        } catch (err) {
          throw new CheckpointCorruptError(where.store, runId, row.step, 'events', (err as Error).message);
        }
      }
      out.push({ step: row.step, events, writer: row.writer, writtenAt: row.written_at });
    }
    return out;
  }

  /** The latest stored step of `runId`, or -1 when it has none. */
  async latestStep(runId: string): Promise<number> {
    const { rows } = await this.pool.query<{ step: number | null }>(`SELECT max(step) AS step FROM ${this.schema}.checkpoints WHERE run_id = $1`, [runId]);
    return rows[0]?.step ?? -1;
  }

  /** Fetches and re-hashes blobs; a blob whose text does not hash to its name is left out (the decoder names the field). */
  private async blobs(hashes: string[], where: { store: string; runId: string; step: number }): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const h of new Set(hashes)) {
      const hit = this.cache.get(h);
      if (hit !== undefined) out.set(h, hit);
      else missing.push(h);
    }
    if (missing.length === 0) return out;
    // Raw blobs first; blobs written by schema version 1 are JSON text in `blobs`.
    const raw = await this.pool.query<{ sha256: string; encoding: string; data: Buffer }>(`SELECT sha256, encoding, data FROM ${this.schema}.blob_bytes WHERE sha256 = ANY($1::text[])`, [missing]);
    const found = raw.rows.map((row) => {
      let text: string | undefined;
      if ((row.encoding === 'utf8' || row.encoding === 'utf-16le') && blobBytesHash(row.data, row.encoding) === row.sha256) text = blobText(row.data, row.encoding);
      return { sha256: row.sha256, text };
    });
    const rest = missing.filter((h) => !raw.rows.some((r) => r.sha256 === h));
    if (rest.length > 0) {
      const old = await this.pool.query<{ sha256: string; text: string }>(`SELECT sha256, text FROM ${this.schema}.blobs WHERE sha256 = ANY($1::text[])`, [rest]);
      for (const row of old.rows) {
        let text: unknown;
        try {
          text = JSON.parse(row.text);
        } catch {
          text = undefined;
        }
        found.push({ sha256: row.sha256, text: typeof text === 'string' && sha256(text) === row.sha256 ? text : undefined });
      }
    }
    for (const { sha256: hash, text } of found) {
      if (text === undefined) {
        throw new CheckpointCorruptError(where.store, where.runId, where.step, `blob ${hash}`, 'its text does not hash to its name (the blob was changed)');
      }
      out.set(hash, text);
      this.known.add(hash);
      if (text.length < BLOB_CACHE_CHARS / 4) {
        if (this.cachedChars + text.length > BLOB_CACHE_CHARS) {
          this.cache.clear();
          this.cachedChars = 0;
        }
        this.cache.set(hash, text);
        this.cachedChars += text.length;
      }
    }
    return out;
  }

  async list(runId: string): Promise<number[]> {
    const { rows } = await this.pool.query<{ step: number }>(`SELECT step FROM ${this.schema}.checkpoints WHERE run_id = $1 ORDER BY step`, [runId]);
    return rows.map((r) => r.step);
  }

  async runs(): Promise<string[]> {
    // COLLATE "C": the same byte order as JavaScript's sort for the ids the other stores return.
    const { rows } = await this.pool.query<{ run_id: string }>(`SELECT run_id FROM ${this.schema}.checkpoints GROUP BY run_id ORDER BY run_id COLLATE "C"`);
    return rows.map((r) => r.run_id);
  }

  async delete(runId: string, step?: number): Promise<void> {
    if (step === undefined) await this.pool.query(`DELETE FROM ${this.schema}.checkpoints WHERE run_id = $1`, [runId]);
    else await this.pool.query(`DELETE FROM ${this.schema}.checkpoints WHERE run_id = $1 AND step = $2`, [runId, step]);
    const latest = (await this.pool.query<{ step: number; doc: string }>(`SELECT step, doc FROM ${this.schema}.checkpoints WHERE run_id = $1 ORDER BY step DESC LIMIT 1`, [runId])).rows[0];
    this.heads.saw(runId, latest && linkOf(latest.doc, latest.step));
  }

  async close(): Promise<void> {
    if (this.ownsPool && !(this.pool as { ended?: boolean }).ended) await this.pool.end().catch(() => undefined);
  }
}
