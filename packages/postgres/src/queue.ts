/**
 * `RunQueue`: runs submitted to PostgreSQL for workers to advance. A run is its step-0 state (in the
 * checkpoint store), its row in `runs`, and one job in a pg-boss queue, all written in one
 * transaction. pg-boss (https://github.com/timgit/pg-boss) is the queue: jobs are claimed with
 * `SELECT … FOR UPDATE SKIP LOCKED`, a claim is a lease kept alive by a heartbeat, and a job whose
 * heartbeat stops (its worker died) is put back for another worker.
 */
import { createRun, type Context, type Limits } from '@rlmtree/core';
import { PgBoss } from 'pg-boss';
import type pg from 'pg';
import { describeUrl, inTransaction } from './connect.ts';
import { countRuns, insertRun, readRuns, type RunRecord, type RunStatus } from './runs.ts';
import { DEFAULT_SCHEMA } from './schema.ts';
import { PostgresCheckpointStore, type PostgresStoreOptions } from './store.ts';

/** The pg-boss queue runs go through. */
export const RUN_QUEUE = 'rlmtree-runs';

/** One task to run: the query, its long context, and optionally the run id and limits. */
export interface RunTask {
  query: string;
  context: Context;
  /** Default: a random UUID. */
  runId?: string;
  limits?: Partial<Limits>;
}

/** Options of `RunQueue.open` (and of `Worker`). */
export interface QueueOptions extends PostgresStoreOptions {
  /**
   * Seconds a worker's claim on a run survives without a heartbeat (pg-boss `heartbeatSeconds`,
   * at least 10; default 10). A killed worker's runs go back to the queue after about this long.
   */
  leaseSeconds?: number;
}

/** Submits runs and reads how they are doing. */
export class RunQueue {
  /** The runs' checkpoints (states and events). */
  readonly store: PostgresCheckpointStore;
  /** The pg-boss instance (started; not working). */
  readonly boss: PgBoss;
  private readonly s: string;

  private constructor(store: PostgresCheckpointStore, boss: PgBoss) {
    this.store = store;
    this.boss = boss;
    this.s = store.schema;
  }

  /**
   * Connects, creates or upgrades rlmtree's tables and pg-boss's, and makes sure the run queue exists.
   * @throws PostgresUnreachableError when the server cannot be reached.
   * @throws SchemaVersionError when the database holds a schema of another version.
   */
  static async open(url: string, options: QueueOptions = {}): Promise<RunQueue> {
    const store = await PostgresCheckpointStore.open(url, options);
    try {
      const boss = await startBoss(url, options, { supervise: false });
      return new RunQueue(store, boss);
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /**
   * Submits tasks; returns their run ids in order. All or none are submitted (one transaction).
   * @throws Error when a run id already exists, naming it.
   */
  async submit(tasks: RunTask | readonly RunTask[]): Promise<string[]> {
    const list = Array.isArray(tasks) ? (tasks as readonly RunTask[]) : [tasks as RunTask];
    const states = list.map((t, i) => {
      try {
        return createRun(t.query, t.context, { ...(t.runId ? { runId: t.runId } : {}), ...(t.limits ? { limits: t.limits } : {}) });
      } catch (err) {
        throw new Error(`task ${i + 1}: ${(err as Error).message}`);
      }
    });
    await inTransaction(this.store.pool, async (client) => {
      const db = { executeSql: (text: string, values?: unknown[]) => client.query(text, values as unknown[]) };
      for (const state of states) {
        await insertRun(client, this.s, state.runId, state.nodes[state.rootId]!.query).catch((err: { code?: string }) => {
          throw err.code === '23505' ? new Error(`run ${JSON.stringify(state.runId)} was already submitted`) : err;
        });
        await this.store.appendStepWith(client, state, []);
        await this.boss.send(RUN_QUEUE, { runId: state.runId }, { db });
      }
    });
    return states.map((s) => s.runId);
  }

  /** The rows of `runIds` in that order (unknown ids left out), or of the latest `limit` runs. */
  status(runIds?: readonly string[], limit?: number): Promise<RunRecord[]> {
    return readRuns(this.store.pool, this.s, runIds, limit);
  }

  /** How many runs are queued, running and finished. */
  counts(): Promise<Record<RunStatus, number>> {
    return countRuns(this.store.pool, this.s);
  }

  /**
   * The run's row once it has finished, polling every `pollMs` (default 250) for at most
   * `timeoutMs` (default: no bound).
   * @throws Error when the run is unknown, or still unfinished after `timeoutMs`.
   */
  async result(runId: string, options: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {}): Promise<RunRecord> {
    const until = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    for (;;) {
      const [row] = await this.status([runId]);
      if (!row) throw new Error(`no run ${JSON.stringify(runId)} was submitted`);
      if (row.status === 'finished') return row;
      if (Date.now() >= until) throw new Error(`run ${JSON.stringify(runId)} has not finished after ${options.timeoutMs} ms (status ${row.status}, step ${row.step})`);
      options.signal?.throwIfAborted();
      await new Promise((r) => setTimeout(r, Math.min(options.pollMs ?? 250, Math.max(1, until - Date.now()))));
    }
  }

  /** Stops pg-boss and closes the store. Never rejects. */
  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, close: true }).catch(() => undefined);
    await this.store.close();
  }
}

/**
 * Starts pg-boss on its own schema beside rlmtree's (`<schema>_boss`) and creates the run queue.
 * @param extra pg-boss constructor options (supervision, polling).
 */
export async function startBoss(url: string, options: QueueOptions, extra: Partial<ConstructorParameters<typeof PgBoss>[0] & object>): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: url, schema: `${options.schema ?? DEFAULT_SCHEMA}_boss`, max: 4, ...extra });
  // pg-boss reports background failures (a lost connection) as events; workers log and go on.
  boss.on('error', () => undefined);
  try {
    await boss.start();
    const lease = Math.max(10, Math.round(options.leaseSeconds ?? 10));
    const queue = {
      heartbeatSeconds: lease,
      // A run may be handed over many times (kills, shutdowns); each hand-over is a pg-boss retry.
      retryLimit: 10_000,
      retryDelay: 0,
      // One claim lasts at most pg-boss's maximum (24 h); a longer run is handed over and continued.
      expireInSeconds: 24 * 3600,
    };
    if (!(await boss.getQueue(RUN_QUEUE))) await boss.createQueue(RUN_QUEUE, queue).catch(async (err) => {
      if (!(await boss.getQueue(RUN_QUEUE))) throw err; // another process created it meanwhile: fine
    });
    return boss;
  } catch (err) {
    await boss.stop({ graceful: false, close: true }).catch(() => undefined);
    throw new Error(`pg-boss on postgres ${describeUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
}
