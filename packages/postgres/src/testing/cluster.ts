/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` into a temp folder, a server on
 * a free loopback port with its socket in that folder, removed on `destroy()`. The server refuses to
 * run as root, so when this process is root the PostgreSQL programs run as the `postgres` user
 * through `runuser` (Debian's `postgresql` package creates that user). Never a mock.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import getPort from 'get-port';

const run = promisify(execFile);

/** Options of `startCluster`. */
export interface ClusterOptions {
  /** Folder holding `initdb`, `pg_ctl` (default: $PG_BIN, else the newest /usr/lib/postgresql/N/bin, else PATH). */
  binDir?: string;
  /** Unix user the server runs as when this process is root (default `postgres`). */
  user?: string;
}

/** The folder of the PostgreSQL server programs, or undefined when none is installed. */
export function findPostgresBin(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  return undefined;
}

/** A running throwaway cluster. */
export class PostgresCluster {
  /** The temp folder holding the data directory, the socket and the log. */
  readonly dir: string;
  /** The loopback TCP port the server listens on. */
  readonly port: number;
  /** `postgres://` URL of the cluster's `postgres` database (trust authentication on loopback). */
  readonly url: string;
  private readonly bin: string;
  private readonly asUser: string | undefined;

  private constructor(dir: string, port: number, bin: string, asUser: string | undefined) {
    this.dir = dir;
    this.port = port;
    this.bin = bin;
    this.asUser = asUser;
    this.url = `postgres://rlmtree@127.0.0.1:${port}/postgres`;
  }

  /**
   * Creates and starts a cluster.
   * @throws Error when no PostgreSQL is installed, or `initdb` / `pg_ctl start` fails (with its log).
   */
  static async start(options: ClusterOptions = {}): Promise<PostgresCluster> {
    const bin = options.binDir ?? findPostgresBin();
    if (!bin) throw new Error('no PostgreSQL server programs found (install Debian\'s postgresql package, or set PG_BIN)');
    const dir = await mkdtemp(join(tmpdir(), 'rlmtree-pg-'));
    const asUser = userInfo().uid === 0 ? (options.user ?? 'postgres') : undefined;
    if (asUser) {
      const { stdout } = await run('id', ['-u', asUser]);
      const { stdout: gid } = await run('id', ['-g', asUser]);
      await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const cluster = new PostgresCluster(dir, await getPort({ host: '127.0.0.1' }), bin, asUser);
    try {
      await cluster.pg('initdb', ['-D', cluster.dataDir, '-U', 'rlmtree', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
      await cluster.startServer();
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return cluster;
  }

  /** The data directory. */
  get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** Starts the server again after `stop()` (same port, same data). @throws Error with the server log. */
  async startServer(): Promise<void> {
    // fsync off: a throwaway cluster need not survive a power cut, and it saves the shared disk.
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    try {
      await this.pg('pg_ctl', ['-D', this.dataDir, '-o', opts, '-l', join(this.dir, 'server.log'), '-w', '-t', '60', 'start']);
    } catch (err) {
      const log = await readFile(join(this.dir, 'server.log'), 'utf8').catch(() => '');
      throw new Error(`pg_ctl start failed: ${(err as Error).message}\n${log.slice(-2000)}`);
    }
  }

  /** Stops the server (fast shutdown: open connections are ended); the data stays. Never rejects. */
  async stop(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
  }

  /** Stops the server and removes the folder. Never rejects. */
  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }

  private async pg(program: string, args: string[]): Promise<void> {
    const path = join(this.bin, program);
    if (this.asUser) await run('runuser', ['-u', this.asUser, '--', path, ...args], { cwd: this.dir });
    else await run(path, args, { cwd: this.dir });
  }
}

/** Starts a throwaway cluster (see `PostgresCluster.start`). */
export function startCluster(options?: ClusterOptions): Promise<PostgresCluster> {
  return PostgresCluster.start(options);
}
