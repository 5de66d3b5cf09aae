/**
 * The defaults of `rlmtree serve`'s limits, apart from the server so the command's options (and
 * `--help`) are built without loading hono.
 */

/** Default `maxBodyBytes`: 16 MiB, about 4 million tokens of text. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Default `maxConcurrentRuns`. */
export const DEFAULT_MAX_CONCURRENT_RUNS = 4;
/** Default `retryAfterS` of a 429. */
export const DEFAULT_RETRY_AFTER_S = 5;
