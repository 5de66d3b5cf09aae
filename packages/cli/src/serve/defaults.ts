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
/**
 * How long (ms) an idle keep-alive connection stays open: 65 s, not Node's 5 s. A server that
 * closes an idle connection races a client reusing it at that moment (the client's request then
 * fails with ECONNRESET); clients pool connections for longer than 5 s (the openai SDK and the AI
 * SDK through undici, load balancers at 60 s), and undici expires its own a second before the
 * `Keep-Alive: timeout` the server sends, a margin a loaded client's event loop can miss.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
