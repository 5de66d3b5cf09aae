/**
 * The deadline of one running cell, the same for every runtime: after `timeoutMs` (or when the
 * run is aborted, or the host gives up) the cell is interrupted once; if it has not stopped
 * `graceMs` later, it is killed. Also maps the prelude's `cell_end` to a `CellResult`.
 */
import type { CellEndMessage } from './protocol.ts';
import type { CellResult, DisplayBlob, ExecOptions } from './runtime.ts';

/**
 * How long an interrupt's delivery is waited for before the grace period starts anyway (ms); a
 * runtime whose interrupt travels (a `docker kill` client, a REST call) gives it up after as long.
 */
export const DELIVERY_BOUND_MS = 10_000;

/** How a runtime interrupts a cell and kills its REPL. */
export interface CellWatchHooks {
  /**
   * Raise KeyboardInterrupt in the cell (SIGINT, a kernel interrupt). A promise means the
   * interrupt travels (a `docker kill`, a REST call): the grace period starts once it settles,
   * or `DELIVERY_BOUND_MS` after the interrupt if it has not settled by then.
   */
  interrupt(): void | Promise<unknown>;
  /** Kill the REPL for good. */
  kill(): void;
  /** Time between the interrupt's delivery and the kill (ms). */
  graceMs: number;
}

/** Watches one cell; call `dispose()` when it ends. */
export class CellWatch {
  /** True once the cell was interrupted (timeout, abort, host failure). */
  interrupted = false;
  /** True once the grace period ran out and the REPL was killed. */
  killed = false;
  /** Why the cell was interrupted, e.g. "the cell ran past its 800 ms timeout". */
  why = '';
  private readonly timer: NodeJS.Timeout;
  private killTimer: NodeJS.Timeout | undefined;
  private deliveryTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly onAbort: () => void;
  private readonly options: ExecOptions;
  private readonly hooks: CellWatchHooks;

  /** Starts the deadline of `options.timeoutMs` and listens to `options.signal`. */
  constructor(options: ExecOptions, hooks: CellWatchHooks) {
    this.options = options;
    this.hooks = hooks;
    this.timer = setTimeout(() => this.interrupt(`the cell ran past its ${options.timeoutMs} ms timeout`), options.timeoutMs);
    this.onAbort = () => this.interrupt('the run was cancelled');
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Interrupts the cell now (once), then kills the REPL if it has not stopped `graceMs` after the
   * interrupt was delivered. Counting from delivery matters under load: a `docker kill` client
   * can take longer to start than the whole grace period.
   */
  interrupt(why: string): void {
    if (this.interrupted) return;
    this.interrupted = true;
    this.why = why;
    let started = false;
    const startGrace = () => {
      if (started || this.disposed) return;
      started = true;
      clearTimeout(this.deliveryTimer);
      this.killTimer = setTimeout(() => {
        this.killed = true;
        this.hooks.kill();
      }, this.hooks.graceMs);
    };
    const delivery = this.hooks.interrupt();
    if (!delivery) return startGrace();
    // A delivery that never settles (a Jupyter server that stopped answering) must not keep the cell alive.
    this.deliveryTimer = setTimeout(startGrace, DELIVERY_BOUND_MS);
    void delivery.then(startGrace, startGrace);
  }

  /** The message for a REPL that died while this cell ran: why it was stopped, or what happened. */
  deathMessage(what: string): string {
    if (this.killed) return `${this.why}; it did not stop on interrupt, so ${what} (its variables are lost)`;
    return this.interrupted ? `${this.why}; ${what}` : what;
  }

  /** Stops the timers and the abort listener. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    clearTimeout(this.deliveryTimer);
    clearTimeout(this.killTimer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}

/**
 * The `CellResult` for a `cell_end`, with `extra` output (raw stderr, kernel stream messages)
 * appended. A cell interrupted by the watch reports `timeout` unless it had already finished
 * with `done`.
 */
export function cellResultOf(
  end: CellEndMessage,
  watch: CellWatch,
  extra: { text: string; chars: number; displays?: DisplayBlob[] } = { text: '', chars: 0 },
): CellResult {
  const result: CellResult = {
    status: watch.interrupted && end.status !== 'done' ? 'timeout' : end.status,
    output: end.output + extra.text,
    outputChars: end.outputChars + extra.chars,
  };
  if (result.status === 'timeout') result.message = watch.why || 'the cell was interrupted';
  if (end.result !== undefined) result.result = end.result;
  if (end.awaiting) result.awaiting = end.awaiting;
  if (end.error && result.status === 'error') result.error = end.error;
  const displays = [...(end.displays ?? []), ...(extra.displays ?? [])];
  if (displays.length) result.displays = displays;
  if (end.bound?.length) result.bound = end.bound;
  return result;
}
