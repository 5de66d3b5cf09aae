/** One throwaway PostgreSQL cluster and temp folder per test file (started in beforeAll, removed in afterAll). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { postgresMissing, startCluster, type PostgresCluster } from '@rlmtree/postgres/testing';

/** What `fileCluster` gives: why the file skips (undefined: it runs), and the live cluster and folder. */
export interface FileCluster {
  missing: string | undefined;
  /** The running cluster (inside tests). */
  cluster(): PostgresCluster;
  /** A temp folder for the file's logs and inputs. */
  dir(): string;
}

/** Registers the hooks; call at the top of a test file. `name` prefixes the temp folder. */
export function fileCluster(name: string): FileCluster {
  const missing = postgresMissing();
  let cluster: PostgresCluster | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    if (missing) return;
    cluster = await startCluster();
    dir = mkdtempSync(join(tmpdir(), `rlmtree-${name}-`));
  });
  afterAll(async () => {
    await cluster?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return { missing, cluster: () => cluster!, dir: () => dir! };
}
