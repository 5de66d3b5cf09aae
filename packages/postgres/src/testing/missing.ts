/** Whether the tests that need a real PostgreSQL can run here. */
import { findPostgresBin } from './cluster.ts';

/**
 * Why the real-PostgreSQL tests cannot run here (no server programs installed), or undefined when
 * they can. With RLMTREE_REQUIRE_REAL=1 a missing PostgreSQL is an error, not a skip.
 * @throws Error when PostgreSQL is missing and RLMTREE_REQUIRE_REAL=1.
 */
export function postgresMissing(): string | undefined {
  if (findPostgresBin()) return undefined;
  const reason = 'PostgreSQL is not installed (scripts/ci/60-postgres.sh installs Debian\'s postgresql; or set PG_BIN)';
  if (process.env.RLMTREE_REQUIRE_REAL === '1') throw new Error(`RLMTREE_REQUIRE_REAL=1 but ${reason}`);
  return reason;
}
