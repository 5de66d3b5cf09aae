/**
 * The database schema of @rlmtree/postgres, versioned: migrations are applied in order under an
 * advisory lock (so several workers starting at once migrate once), and a database whose schema is
 * newer than this build is refused with a clear error instead of being read or written wrongly.
 */
import type pg from 'pg';
import { inTransaction } from './connect.ts';

/** The schema version this build reads and writes. */
export const SCHEMA_VERSION = 2;

/** The default Postgres schema (namespace) holding rlmtree's tables. */
export const DEFAULT_SCHEMA = 'rlmtree';

/** The database holds a schema version this build cannot use. */
export class SchemaVersionError extends Error {
  /** The version found in the database. */
  readonly found: number;
  /** The version this build uses. */
  readonly expected: number;
  /** @param schema the Postgres schema name; @param found its version. */
  constructor(schema: string, found: number, expected: number, detail: string) {
    super(`postgres schema ${JSON.stringify(schema)} is at rlmtree schema version ${found}, this @rlmtree/postgres uses version ${expected}: ${detail}`);
    this.name = 'SchemaVersionError';
    this.found = found;
    this.expected = expected;
  }
}

/**
 * Migration `i` brings the schema from version `i` to `i + 1`. Never edit a released one: add the next.
 * - checkpoints: one row per (run, step), append-only for workers; `events` holds the step's events
 *   (JSON through the trace codec), `writer` who wrote it.
 * - blobs: content-addressed strings (sha256 of the text), stored once, JSON-encoded so that NUL and
 *   lone surrogates survive (Postgres `text` holds neither). Version 1 only wrote here; still read.
 * - blob_bytes (version 2): the same, as raw bytes (`bytea`, `blob-bytes.ts` in core: UTF-8, or
 *   UTF-16LE for a string with a lone surrogate), so no JSON escaping is written or parsed.
 * - runs: one row per submitted run: its status, the latest step and the answer.
 */
const MIGRATIONS: readonly ((s: string) => string)[] = [
  (s) => `
    CREATE TABLE ${s}.blobs (sha256 text PRIMARY KEY, text text NOT NULL);
    CREATE TABLE ${s}.checkpoints (
      run_id text NOT NULL,
      step integer NOT NULL CHECK (step >= 0),
      doc text NOT NULL,
      events text,
      writer text,
      written_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (run_id, step)
    );
    CREATE TABLE ${s}.runs (
      run_id text PRIMARY KEY,
      status text NOT NULL CHECK (status IN ('queued', 'running', 'finished')),
      query text NOT NULL,
      step integer NOT NULL DEFAULT 0,
      result jsonb,
      error jsonb,
      usage jsonb,
      worker text,
      attempts integer NOT NULL DEFAULT 0,
      submitted_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      finished_at timestamptz
    );
    CREATE INDEX runs_status ON ${s}.runs (status);`,
  (s) => `
    CREATE TABLE ${s}.blob_bytes (
      sha256 text PRIMARY KEY,
      encoding text NOT NULL CHECK (encoding IN ('utf8', 'utf-16le')),
      data bytea NOT NULL
    );`,
];

/** Quotes a Postgres identifier. @throws Error for a name that is not a plain identifier. */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`postgres schema name ${JSON.stringify(name)} must be lower-case letters, digits and _ (at most 63)`);
  return `"${name}"`;
}

/**
 * Creates or upgrades the tables in `schema` to `SCHEMA_VERSION`.
 * @param migrate false: only check, never change (an older schema is then an error too).
 * @throws SchemaVersionError when the schema is newer than this build, or older and `migrate` is false.
 */
export async function ensureSchema(pool: pg.Pool, schema: string, migrate = true): Promise<void> {
  const s = ident(schema);
  await inTransaction(pool, async (client) => {
    // One migrator at a time across processes; the key is derived from the schema name.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`rlmtree-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.meta (key text PRIMARY KEY, value text NOT NULL)`);
    const row = await client.query<{ value: string }>(`SELECT value FROM ${s}.meta WHERE key = 'schema_version'`);
    const found = row.rows[0] ? Number(row.rows[0].value) : 0;
    if (!Number.isInteger(found) || found > SCHEMA_VERSION) {
      throw new SchemaVersionError(schema, found, SCHEMA_VERSION, 'it was written by a newer release; upgrade @rlmtree/postgres (or use another --schema)');
    }
    if (found < SCHEMA_VERSION && !migrate) {
      throw new SchemaVersionError(schema, found, SCHEMA_VERSION, 'migrations are turned off; open it once with migrate enabled');
    }
    for (let v = found; v < SCHEMA_VERSION; v++) await client.query(MIGRATIONS[v]!(s));
    await client.query(`INSERT INTO ${s}.meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [String(SCHEMA_VERSION)]);
  });
}
