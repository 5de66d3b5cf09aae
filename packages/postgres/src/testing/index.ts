/** `@rlmtree/postgres/testing`: a throwaway PostgreSQL cluster for tests and benchmarks. */
export { PostgresCluster, startCluster, findPostgresBin, type ClusterOptions } from './cluster.ts';
export { postgresMissing } from './missing.ts';
