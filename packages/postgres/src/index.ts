/**
 * `@rlmtree/postgres`: rlmtree past one machine. `PostgresCheckpointStore` keeps runs, steps and
 * blobs in PostgreSQL; `RunQueue` hands runs to `Worker` processes through a pg-boss job queue;
 * a worker that dies loses its lease and another continues the run from the stored steps.
 */
export { PostgresCheckpointStore, StepConflictError, type PostgresStoreOptions, type StoredStep } from './store.ts';
export { SCHEMA_VERSION, DEFAULT_SCHEMA, SchemaVersionError, ensureSchema } from './schema.ts';
export { PostgresUnreachableError, openPool, describeUrl, isConnectionError, type PoolOptions } from './connect.ts';
export { RunQueue, RUN_QUEUE, type RunTask, type QueueOptions } from './queue.ts';
export { Worker, type WorkerOptions, type WorkerStats } from './worker.ts';
export type { RunRecord, RunStatus } from './runs.ts';
