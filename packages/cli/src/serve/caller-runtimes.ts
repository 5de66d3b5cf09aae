/**
 * A runtime per `serve` caller: each request (or each session, under `--sessions`) runs on a
 * runtime of its own, closed when the request or session ends, so callers cannot reach each
 * other's REPLs. On the docker runtime that is a container per caller (a `DockerRuntime` cannot
 * tell runs apart: every REPL it opens lives in its one container); on the subprocess runtime a
 * fork server and process group per caller. Starting one costs a container start (seconds on
 * the vfs storage driver) or an interpreter start, so `warm` spares are started ahead and handed
 * out first (bench/serve-isolation.bench.ts measures both).
 */
import { WarmPool, type Runtime } from '@rlmtree/core';

/** A runtime one caller uses until `release()`. */
export interface RuntimeLease {
  readonly runtime: Runtime;
  /** Gives the runtime back: a per-caller runtime is closed (its REPLs and containers gone). Idempotent; never rejects. */
  release(): Promise<void>;
}

/** Options of `CallerRuntimes`. */
export interface CallerRuntimesOptions {
  /**
   * Makes one caller's runtime, resolving once it is ready to open REPLs without waiting (a warm
   * spare is one that resolved). A rejection fails the request that needed it.
   */
  create: () => Promise<Runtime>;
  /** Runtimes started ahead of need and kept ready (default 1; 0 = each caller waits for its start). */
  warm?: number;
  /** A runtime the caller already made (e.g. the one checked at start-up): handed out first. */
  first?: Runtime;
}

/** Hands each caller a fresh runtime of its own, from a pool of warm ones; see the module comment. */
export class CallerRuntimes {
  private readonly options: CallerRuntimesOptions;
  private readonly pool: WarmPool<Runtime>;
  private first: Runtime | undefined;
  private readonly leased = new Set<Runtime>();
  /** Released runtimes still closing (a container's removal takes seconds on vfs). */
  private readonly closing = new Set<Promise<void>>();
  private closed = false;

  /** Starts the `warm` spares in the background. */
  constructor(options: CallerRuntimesOptions) {
    this.options = options;
    this.first = options.first;
    this.pool = new WarmPool({ size: options.warm ?? 1, start: options.create });
  }

  /** Resolves once every warm spare has started (or failed to); for benchmarks and tests. */
  async ready(): Promise<void> {
    await Promise.allSettled(this.pool.pending);
  }

  /**
   * A runtime for one caller: a warm spare, or a new one when none is ready.
   * @throws Error when the runtime cannot be made (e.g. no Docker daemon), or after `close()`.
   */
  async acquire(): Promise<RuntimeLease> {
    if (this.closed) throw new Error('CallerRuntimes: acquire() after close()');
    let runtime = this.first;
    this.first = undefined;
    runtime ??= (await this.pool.take()) ?? (await this.options.create());
    if (this.closed) {
      await runtime.close().catch(() => {});
      throw new Error('CallerRuntimes: closed while a runtime was starting');
    }
    this.leased.add(runtime);
    let released: Promise<void> | undefined;
    return {
      runtime,
      release: () => {
        if (!released) {
          this.leased.delete(runtime);
          const closing = runtime.close().catch(() => {});
          this.closing.add(closing);
          released = closing.finally(() => this.closing.delete(closing));
        }
        return released;
      },
    };
  }

  /**
   * Closes the spares and every runtime still handed out, and waits for released ones still
   * closing (the server is stopping). Never rejects.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const spares = await this.pool.drain();
    const all = [...spares, ...this.leased, ...(this.first ? [this.first] : [])];
    this.first = undefined;
    this.leased.clear();
    await Promise.all([...all.map((r) => r.close().catch(() => {})), ...this.closing]);
  }
}

/** What a serve runner runs trees on: one runtime shared by every caller, or a runtime per caller. */
export type ServeRuntime = Runtime | CallerRuntimes;

/** A lease on `source` for one caller: its own runtime from `CallerRuntimes`, or the shared one (release does nothing). */
export function leaseRuntime(source: ServeRuntime): Promise<RuntimeLease> {
  if (source instanceof CallerRuntimes) return source.acquire();
  return Promise.resolve({ runtime: source, release: () => Promise.resolve() });
}
