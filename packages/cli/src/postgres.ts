/**
 * The `--postgres <url>` option shared by `worker`, `submit`, `status` and `result`, and opening
 * the run queue with one-line errors (unreachable server, schema of another version).
 */
import { Option, type Command } from 'commander';
import type { RunQueue } from '@rlmtree/postgres';
import { CliError } from './errors.ts';

/** What the postgres options parse to. */
export interface PostgresCliOptions {
  postgres?: string;
  schema?: string;
}

/** Adds `--postgres <url>` (default $RLMTREE_POSTGRES_URL) and `--schema <name>` to `command`. */
export function postgresOptions(command: Command): Command {
  return command
    .addOption(new Option('--postgres <url>', 'PostgreSQL connection string, e.g. postgres://user:pass@host:5432/db').env('RLMTREE_POSTGRES_URL'))
    .option('--schema <name>', 'Postgres schema holding rlmtree\'s tables (pg-boss uses <name>_boss)', 'rlmtree');
}

/** The connection string. @throws CliError when none was given. */
export function postgresUrl(opts: PostgresCliOptions): string {
  if (!opts.postgres) throw new CliError('no PostgreSQL given: pass --postgres <url> or set RLMTREE_POSTGRES_URL');
  return opts.postgres;
}

/**
 * Turns the errors of opening a database into one-line CLI errors; others pass through. Told by
 * name, so `@rlmtree/postgres` (pg, pg-boss) is loaded only by the commands that use it.
 */
export function postgresError(err: unknown): unknown {
  const name = (err as Error | undefined)?.name;
  if (name === 'PostgresUnreachableError' || name === 'SchemaVersionError') return new CliError((err as Error).message);
  return err;
}

/** Opens the run queue. @throws CliError when the server is unreachable or its schema is of another version. */
export async function openQueue(opts: PostgresCliOptions): Promise<RunQueue> {
  try {
    const { RunQueue } = await import('@rlmtree/postgres');
    return await RunQueue.open(postgresUrl(opts), { ...(opts.schema ? { schema: opts.schema } : {}) });
  } catch (err) {
    throw postgresError(err);
  }
}
