/**
 * Opening a `pg` pool with errors a user can act on: an unreachable server is a
 * `PostgresUnreachableError` naming the host and port (never the password), and an idle connection
 * the server drops does not crash the process (the pool's `error` event is handled).
 */
import pg from 'pg';

/** PostgreSQL could not be reached (refused, unknown host, timed out, authentication failed). */
export class PostgresUnreachableError extends Error {
  /** The server as host:port/database, without credentials. */
  readonly where: string;
  /** @param where the server; @param cause the driver's error. */
  constructor(where: string, cause: Error) {
    const code = (cause as { code?: string }).code;
    super(`cannot reach PostgreSQL at ${where}${code ? ` (${code})` : ''}: ${cause.message || String(cause)}`, { cause });
    this.name = 'PostgresUnreachableError';
    this.where = where;
  }
}

/** `host:port/database` of a connection string, without user or password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return '(unparsable connection string)';
  }
}

/** True for errors that mean "the server is not there right now" (worth waiting out). */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  const message = (err as Error | undefined)?.message ?? '';
  // Node socket errors, and Postgres' admin_shutdown / crash_shutdown / cannot_connect_now classes.
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004'].includes(code) ||
    /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(message)
  );
}

/** Options of `openPool`. */
export interface PoolOptions {
  /** Most connections the pool opens (default 10). */
  max?: number;
  /** Called with errors of idle connections (the server went away); default: ignored. */
  onError?: (err: Error) => void;
}

/**
 * Opens a pool and checks that the server answers.
 * @throws PostgresUnreachableError when it does not (within 10 s per attempt).
 */
export async function openPool(url: string, options: PoolOptions = {}): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 10_000 });
  pool.on('error', (err) => options.onError?.(err));
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new PostgresUnreachableError(describeUrl(url), err as Error);
  }
  return pool;
}

/**
 * Runs `fn` in one transaction on a connection of `pool`: committed when `fn` resolves, rolled
 * back (and the error rethrown) when it throws. The connection goes back to the pool either way.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
