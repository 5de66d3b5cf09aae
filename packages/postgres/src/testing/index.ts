/** `@rlmtree/postgres/testing`: a throwaway PostgreSQL cluster for tests and benchmarks. */
export { PostgresCluster, startCluster, findPostgresBin, type ClusterOptions } from './cluster.ts';
export { postgresMissing } from './missing.ts';
export { Fleet, auditRecord, auditCalls, type WorkerCommand, type Kill, type RecordAudit, type CallAudit } from './fleet.ts';
export { treeTasks, referenceRun, TREE_POLICY, type Reference } from './tree-tasks.ts';
