/**
 * `Worker`: takes runs from the pg-boss queue and advances them step by step, writing each step
 * (state and events, one transaction, the step number checked) before it starts the next step's
 * effects. A run it takes up after another worker died starts from the latest stored step; the
 * engine rebuilds each agent's REPL from the record when that agent next runs a cell, so no model
 * call of a stored step is made again. See docs/distributed.md.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Engine, isFinished, type LLMClient, type RunState, type Runtime, type StepResult, type Tool } from '@rlmtree/core';
import type { PgBoss, Job } from 'pg-boss';
import { isConnectionError, openPool } from './connect.ts';
import { RUN_QUEUE, startBoss, type QueueOptions } from './queue.ts';
import { markRunning, markStep } from './runs.ts';
import { DEFAULT_SCHEMA, ensureSchema } from './schema.ts';
import { PostgresCheckpointStore, StepConflictError } from './store.ts';
import { describeUrl } from './connect.ts';

/** Options of `Worker.start`. */
export interface WorkerOptions extends QueueOptions {
  /** The root agents' model. */
  llm: LLMClient;
  /** The model for sub-calls and child agents (default `llm`). */
  subModel?: LLMClient;
  /** Hosts the REPLs of every run this worker advances. The worker does not close it. */
  runtime: Runtime;
  /** Host tools agent code can call. */
  tools?: Readonly<Record<string, Tool>>;
  /** Runs advanced at once by this worker (default 2). */
  concurrency?: number;
  /** Effects (model calls, cells) at once within one run's step (the engine's `concurrency`, default 8). */
  stepConcurrency?: number;
  /** This worker's id in the record (default `<host>:<pid>:<random>`). */
  id?: string;
  /** Seconds between polls of the queue when idle (default 0.5). */
  pollSeconds?: number;
  /** Seconds between pg-boss supervision passes, which put back runs whose lease lapsed (default 2). */
  superviseSeconds?: number;
  /** Progress and trouble, one line each (default: nothing). */
  log?: (line: string) => void;
}

/** What a worker has done so far. */
export interface WorkerStats {
  /** Steps this worker wrote. */
  steps: number;
  /** Runs this worker finished. */
  finished: number;
  /** Runs handed back at shutdown, or given up because another worker advanced them. */
  handedBack: number;
  /** Times a database write or read waited for PostgreSQL to come back. */
  waits: number;
  /** Time spent in the engine's steps (model calls, cells), ms. */
  stepMs: number;
  /** Time spent writing steps (waits for the database included), ms. */
  writeMs: number;
}

/** Thrown inside a job to give the run back to the queue (shutdown); pg-boss retries it elsewhere. */
class HandBack extends Error {
  constructor(runId: string, step: number) {
    super(`run ${runId} handed back at step ${step}: the worker is shutting down`);
    this.name = 'HandBack';
  }
}

/** A process's share of the work: up to `concurrency` runs at once. */
export class Worker {
  /** This worker's id (recorded as the writer of each step). */
  readonly id: string;
  /** Counters (live). */
  readonly stats: WorkerStats = { steps: 0, finished: 0, handedBack: 0, waits: 0, stepMs: 0, writeMs: 0 };
  private readonly store: PostgresCheckpointStore;
  private readonly boss: PgBoss;
  private readonly options: WorkerOptions;
  private stopping = false;
  private readonly hardStop = new AbortController();

  private constructor(store: PostgresCheckpointStore, boss: PgBoss, options: WorkerOptions, id: string) {
    this.store = store;
    this.boss = boss;
    this.options = options;
    this.id = id;
  }

  /**
   * Connects and starts taking runs.
   * @throws PostgresUnreachableError when the server cannot be reached at start.
   * @throws SchemaVersionError when the database holds a schema of another version.
   */
  static async start(url: string, options: WorkerOptions): Promise<Worker> {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    const log = options.log;
    const pool = await openPool(url, { max: (options.concurrency ?? 2) + 2, onError: (err) => log?.(`postgres connection lost: ${err.message}`) });
    try {
      await ensureSchema(pool, schema, options.migrate ?? true);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    const store = new PostgresCheckpointStore(pool, { schema, where: `postgres ${describeUrl(url)}`, ownsPool: true });
    let boss: PgBoss;
    try {
      boss = await startBoss(url, options, { supervise: true, superviseIntervalSeconds: options.superviseSeconds ?? 2, schedule: false });
    } catch (err) {
      await store.close();
      throw err;
    }
    const id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const worker = new Worker(store, boss, options, id);
    const lease = Math.max(10, Math.round(options.leaseSeconds ?? 10));
    await boss.work<{ runId: string }>(
      RUN_QUEUE,
      { batchSize: 1, localConcurrency: Math.max(1, options.concurrency ?? 2), pollingIntervalSeconds: options.pollSeconds ?? 0.5, heartbeatRefreshSeconds: lease / 3 },
      async ([job]) => worker.advance(job!),
    );
    log?.(`worker ${id} taking runs (concurrency ${options.concurrency ?? 2})`);
    return worker;
  }

  /**
   * Stops taking runs. Graceful (default): each run in hand finishes its current step, writes it and
   * goes back to the queue for another worker; waits at most `timeoutMs` (default 60 s), then
   * aborts what is left (those runs continue elsewhere from their last written step).
   * Never rejects.
   */
  async stop(options: { graceful?: boolean; timeoutMs?: number } = {}): Promise<void> {
    this.stopping = true;
    if (options.graceful === false) this.hardStop.abort(new Error('the worker stopped'));
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => this.hardStop.abort(new Error('the worker stopped')), timeoutMs);
    await this.boss.stop({ graceful: options.graceful !== false, timeout: timeoutMs + 5_000, close: true }).catch(() => undefined);
    clearTimeout(timer);
    await this.store.close();
  }

  /** One job: advance its run until the root finishes (or the worker stops, or the lease is lost). */
  private async advance(job: Job<{ runId: string }>): Promise<{ runId: string; step: number } | { runId: string; missing: true }> {
    const { runId } = job.data;
    const signal = AbortSignal.any([job.signal, this.hardStop.signal]);
    let state = await this.db(() => this.store.get(runId), signal);
    if (!state) {
      this.options.log?.(`run ${runId}: no stored state, dropped`);
      return { runId, missing: true };
    }
    if (isFinished(state)) return { runId, step: state.step }; // a worker died after the last step, before the job completed
    await this.db(() => markRunning(this.store.pool, this.store.schema, runId, this.id), signal);
    this.options.log?.(`run ${runId}: taken at step ${state.step} (attempt ${job.retryCount + 1})`);
    const engine = new Engine({
      llm: this.options.llm,
      ...(this.options.subModel ? { subModel: this.options.subModel } : {}),
      runtime: this.options.runtime,
      ...(this.options.tools ? { tools: this.options.tools } : {}),
      concurrency: this.options.stepConcurrency ?? 8,
      signal,
      tracer: false,
    });
    try {
      while (!isFinished(state)) {
        if (this.stopping) {
          this.stats.handedBack += 1;
          const back = new HandBack(runId, state.step);
          this.options.log?.(back.message);
          throw back;
        }
        const t0 = performance.now();
        const result = await engine.stepWithEvents(state);
        const t1 = performance.now();
        await this.write(result, signal);
        this.stats.stepMs += t1 - t0;
        this.stats.writeMs += performance.now() - t1;
        state = result.state;
      }
    } catch (err) {
      if (err instanceof StepConflictError) {
        this.stats.handedBack += 1;
        this.options.log?.(`run ${runId}: ${err.message}; leaving it to that worker`);
      }
      throw err;
    } finally {
      await engine.close();
    }
    this.stats.finished += 1;
    this.options.log?.(`run ${runId}: finished at step ${state.step}`);
    return { runId, step: state.step };
  }

  /** Writes one step with its events and the run row's progress, waiting out a database outage. */
  private async write(result: StepResult, signal: AbortSignal): Promise<void> {
    const s = this.store.schema;
    await this.db(() => this.store.appendStep(result.state, result.events, { writer: this.id, within: (c) => markStep(c, s, result.state) }), signal);
    this.stats.steps += 1;
  }

  /**
   * Runs `fn`, retrying while PostgreSQL is unreachable (0.25 s doubling to 5 s between tries) until
   * it answers or `signal` aborts. Other errors (a step conflict) are thrown at once.
   */
  private async db<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    let delay = 250;
    for (let tries = 1; ; tries++) {
      try {
        return await fn();
      } catch (err) {
        if (!isConnectionError(err) || signal.aborted) throw err;
        this.stats.waits += 1;
        if (tries === 1) this.options.log?.(`postgres unreachable (${(err as Error).message}); waiting for it`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }
}

