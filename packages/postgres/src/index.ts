/**
 * `@rlmtree/postgres`: rlmtree past one machine. `PostgresCheckpointStore` keeps runs, steps and
 * blobs in PostgreSQL; `RunQueue` hands runs to `Worker` processes through a pg-boss job queue;
 * a worker that dies loses its lease and another continues the run from the stored steps.
 */
export { PostgresCheckpointStore, StepConflictError, type PostgresStoreOptions, type StoredStep } from './store.ts';
export { SCHEMA_VERSION, DEFAULT_SCHEMA, SchemaVersionError, ensureSchema } from './schema.ts';
export { PostgresUnreachableError, openPool, describeUrl, isConnectionError, type PoolOptions } from './connect.ts';
