/**
 * `SqliteSubCallCache`: a sub-call cache that persists across runs in one SQLite file through
 * `node:sqlite` (built into Node 22). One table `subcalls(key, reply, chars, created_ms, used_ms)`;
 * entries past `ttlMs` are misses and are deleted; past `maxEntries` or `maxChars` the least
 * recently used entries are deleted. WAL mode and a busy timeout let several processes share it.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { UsageSchema } from '../schema/state.ts';
import type { CachedReply, SubCallCache } from './subcall-cache.ts';
import { z } from '../schema/zod.ts';
import { lazySchema, real } from '../schema/lazy.ts';

/** Bounds of a `SqliteSubCallCache`. */
export interface SqliteSubCallCacheOptions {
  /** Most entries kept (default 100,000). */
  maxEntries?: number;
  /** Most characters of reply text kept in all (default 500,000,000). */
  maxChars?: number;
  /** Entries older than this (ms since they were written) are misses (default 30 days). */
  ttlMs?: number;
  /** The clock (ms since the epoch); tests pass a fake one. */
  now?: () => number;
}

const CachedReplySchema = lazySchema(() => z.object({ text: z.string(), model: z.string().optional(), usage: real(UsageSchema) }));
const SCHEMA_VERSION = 1;

/** A persistent sub-call cache in a SQLite file. */
export class SqliteSubCallCache implements SubCallCache {
  /** The database file. */
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly q: Record<'get' | 'put' | 'touch' | 'del' | 'expire' | 'count' | 'chars' | 'evict', StatementSync>;
  private readonly maxEntries: number;
  private readonly maxChars: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  private constructor(path: string, db: DatabaseSync, options: SqliteSubCallCacheOptions) {
    this.path = path;
    this.db = db;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.maxChars = options.maxChars ?? 500_000_000;
    this.ttlMs = options.ttlMs ?? 30 * 24 * 3600_000;
    this.now = options.now ?? Date.now;
    db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS subcalls (
        key TEXT PRIMARY KEY, reply TEXT NOT NULL, chars INTEGER NOT NULL,
        created_ms INTEGER NOT NULL, used_ms INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS subcalls_used ON subcalls (used_ms);`);
    const version = db.prepare("SELECT value FROM meta WHERE name = 'version'").get() as { value: string } | undefined;
    if (!version) db.prepare("INSERT INTO meta (name, value) VALUES ('version', ?)").run(String(SCHEMA_VERSION));
    else if (version.value !== String(SCHEMA_VERSION)) {
      db.close();
      throw new Error(`sub-call cache ${path}: schema version ${version.value}, this rlmtree reads version ${SCHEMA_VERSION}; use another file`);
    }
    this.q = {
      get: db.prepare('SELECT reply, created_ms FROM subcalls WHERE key = ?'),
      put: db.prepare('INSERT OR REPLACE INTO subcalls (key, reply, chars, created_ms, used_ms) VALUES (?, ?, ?, ?, ?)'),
      touch: db.prepare('UPDATE subcalls SET used_ms = ? WHERE key = ?'),
      del: db.prepare('DELETE FROM subcalls WHERE key = ?'),
      expire: db.prepare('DELETE FROM subcalls WHERE created_ms < ?'),
      count: db.prepare('SELECT COUNT(*) AS n FROM subcalls'),
      chars: db.prepare('SELECT COALESCE(SUM(chars), 0) AS n FROM subcalls'),
      evict: db.prepare('DELETE FROM subcalls WHERE key IN (SELECT key FROM subcalls ORDER BY used_ms ASC LIMIT ?)'),
    };
  }

  /**
   * Opens (creating when missing) the cache file at `path`.
   * @throws Error when the file is not a SQLite database or holds a cache of another schema version.
   */
  static async open(path: string, options: SqliteSubCallCacheOptions = {}): Promise<SqliteSubCallCache> {
    const { DatabaseSync } = await import('node:sqlite');
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path);
      return new SqliteSubCallCache(path, db, options);
    } catch (err) {
      throw new Error(`sub-call cache ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Entries currently kept (expired ones included until the next write). */
  get size(): number {
    return Number((this.q.count.get() as { n: number | bigint }).n);
  }

  async get(key: string): Promise<CachedReply | undefined> {
    const row = this.q.get.get(key) as { reply: string; created_ms: number | bigint } | undefined;
    if (!row) return undefined;
    const now = this.now();
    if (now - Number(row.created_ms) > this.ttlMs) {
      this.q.del.run(key);
      return undefined;
    }
    let reply: CachedReply;
    try {
      const parsed = CachedReplySchema.parse(JSON.parse(row.reply));
      reply = { text: parsed.text, usage: parsed.usage, ...(parsed.model !== undefined ? { model: parsed.model } : {}) };
    } catch {
      // A damaged entry is a miss (and goes), never a wrong answer.
      this.q.del.run(key);
      return undefined;
    }
    this.q.touch.run(now, key);
    return reply;
  }

  async set(key: string, reply: CachedReply): Promise<void> {
    const now = this.now();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.q.put.run(key, JSON.stringify(reply), reply.text.length, now, now);
      this.q.expire.run(now - this.ttlMs);
      const over = Number((this.q.count.get() as { n: number | bigint }).n) - this.maxEntries;
      if (over > 0) this.q.evict.run(over);
      // Evict least recently used entries, a tenth at a time, until the characters fit.
      while (Number((this.q.chars.get() as { n: number | bigint }).n) > this.maxChars && this.size > 1) {
        this.q.evict.run(Math.max(1, Math.floor(this.size / 10)));
      }
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async close(): Promise<void> {
    try {
      this.db.close();
    } catch {
      // already closed
    }
  }
}
