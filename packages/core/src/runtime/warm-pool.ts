/**
 * A pool of REPL hosts (processes, kernels) started ahead of need, so opening an agent's REPL
 * does not wait for a start-up. Shared by the runtimes.
 */
import pLimit from 'p-limit';

/** Options of a `WarmPool`. */
export interface WarmPoolOptions<T> {
  /** Items kept started (0 turns the pool off). */
  size: number;
  /** Starts one item; a rejection is kept and skipped by `take`. */
  start: () => Promise<T>;
  /** False for an item that died while waiting in the pool. Default: always usable. */
  usable?: (item: T) => boolean;
  /** Disposes of an item `take` skipped because it was not usable. */
  discard?: (item: T) => void;
  /**
   * At most this many starts run at once (default: no bound). For items whose start is heavy
   * on this machine's CPU (a Python kernel: ~1 s of CPU each): when a fan-out takes many at once,
   * unbounded refills all start together and starve the agents the pool was serving.
   */
  maxStarting?: number;
}

/** Started items kept warm; see `WarmPoolOptions`. */
export class WarmPool<T> {
  private items: Promise<T>[] = [];
  private closed = false;
  private readonly options: WarmPoolOptions<T>;
  private readonly start: () => Promise<T>;

  /**
   * Starts filling the pool in the background.
   * @throws RangeError when `maxStarting` is given and not a positive integer.
   */
  constructor(options: WarmPoolOptions<T>) {
    this.options = options;
    const bound = options.maxStarting;
    if (bound === undefined) this.start = options.start;
    else {
      if (!Number.isInteger(bound) || bound < 1) throw new RangeError(`WarmPool: maxStarting must be a positive integer, got ${bound}`);
      const limit = pLimit(bound);
      // A start still queued when the pool drains is not made (drain would wait for it only to close it).
      this.start = () => limit(() => (this.closed ? Promise.reject(new Error('the pool was drained')) : options.start()));
    }
    this.refill();
  }

  /** Items currently starting or started (for `Promise.all` when a caller wants them ready). */
  get pending(): readonly Promise<T>[] {
    return this.items;
  }

  private refill(): void {
    while (!this.closed && this.items.length < this.options.size) {
      const item = this.start();
      item.catch(() => {}); // reported to nobody: take() skips it and the caller starts one itself
      this.items.push(item);
    }
  }

  /** A warm, usable item, or undefined when the pool has none; starts a replacement. */
  async take(): Promise<T | undefined> {
    let found: T | undefined;
    while (this.items.length > 0 && found === undefined) {
      const candidate = await this.items.shift()!.catch(() => undefined);
      if (candidate === undefined) continue;
      if (this.options.usable?.(candidate) ?? true) found = candidate;
      else this.options.discard?.(candidate);
    }
    this.refill();
    return found;
  }

  /** Stops refilling and hands back every started item for the caller to close. */
  async drain(): Promise<T[]> {
    this.closed = true;
    const items = this.items;
    this.items = [];
    const settled = await Promise.allSettled(items);
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }
}
