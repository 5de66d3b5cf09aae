/**
 * The one cell driver every REPL uses: send `exec` / `wake`, answer each `call` through the
 * host handler, stop at `cell_end`, `fatal` or the REPL's exit, with the cell's deadline
 * (`CellWatch`) interrupting and then killing. A runtime supplies only a `ReplTransport`: how a
 * message reaches its REPL and how the REPL's messages come back (JSON lines on pipes, a kernel's
 * execute/stdin channels, a worker's bridge).
 */
import type { Display } from '../schema/state.ts';
import { CellWatch, cellResultOf } from './cell-watch.ts';
import type { ExecMessageSchema, HostMessage, ReplMessage, WakeMessageSchema } from './protocol.ts';
import type { CellResult, ExecOptions, HostCallHandler } from './runtime.ts';
import type { z } from 'zod';

/** The REPL went away (its process exited, its kernel died); sticky: every later `next` says it again. */
export interface TransportExit {
  type: 'exit';
  /** What happened, e.g. "the REPL process was killed by SIGKILL". */
  message: string;
}

/** Output that reached the host outside the protocol (raw stderr, a kernel's iopub messages). */
export interface SideOutput {
  /** The kept text (bounded by the transport). */
  text: string;
  /** Its true length in characters. */
  chars: number;
  /** Rich outputs, when the transport receives them. */
  displays?: Display[];
}

/** How the cell driver talks to one REPL. */
export interface ReplTransport {
  /** Sends one host message (dropped once the REPL is gone). */
  send(message: HostMessage): void;
  /** The REPL's next message, or its exit. A message that fails to parse arrives as `fatal`. */
  next(): Promise<ReplMessage | TransportExit>;
  /** Side output since the last call; the driver discards it at a cell's start. */
  takeSideOutput(): SideOutput;
  /**
   * Raises KeyboardInterrupt in the running cell (SIGINT, a kernel interrupt, an interrupt
   * buffer); a promise when delivery takes time, settled once delivered (see `CellWatchHooks`).
   */
  interrupt(): void | Promise<unknown>;
  /** Ends the REPL for good. */
  kill(): void;
  /** False once the REPL is gone. */
  readonly alive: boolean;
  /** How a kill reads in a crash message, e.g. "the REPL was killed", "the kernel was shut down". */
  readonly killedMessage: string;
  /** When set, a crash message ends with the side output's tail under this label (e.g. `stderr`). */
  readonly sideLabel?: string;
}

/** Options of `driveCell`. */
export interface DriveOptions extends ExecOptions {
  /** After a timeout's interrupt, how long the cell gets to stop before the REPL is killed (ms). */
  graceMs: number;
}

type StartMessage = z.infer<typeof ExecMessageSchema> | z.infer<typeof WakeMessageSchema>;

/**
 * Runs one `exec` or `wake` to its end over `transport`. Failed host calls are answers; a host
 * handler that throws (e.g. a rebuild that diverged) interrupts the cell and the error is
 * rethrown once the cell has stopped.
 * @throws whatever the host handler threw.
 */
export async function driveCell(transport: ReplTransport, start: StartMessage, host: HostCallHandler, options: DriveOptions): Promise<CellResult> {
  if (!transport.alive) return { status: 'crashed', output: '', outputChars: 0, message: 'the REPL is not running' };
  transport.takeSideOutput();
  const watch = new CellWatch(options, { interrupt: () => transport.interrupt(), kill: () => transport.kill(), graceMs: options.graceMs });
  let hostFailure: Error | null = null;
  try {
    transport.send(start);
    for (;;) {
      const msg = await transport.next();
      if (msg.type === 'call') {
        if (watch.interrupted) continue; // the cell is being stopped: its calls get no answer
        let answer;
        try {
          answer = await host({ name: msg.name, args: msg.args });
        } catch (err) {
          hostFailure = err as Error;
          watch.interrupt('the host could not answer a call');
          continue;
        }
        if (!watch.interrupted) transport.send({ type: 'answer', id: msg.id, ...answer });
        continue;
      }
      // Not an answer to anything a cell sends (a snapshot's reply is read by its own request).
      if (msg.type === 'ready' || msg.type === 'snapshot_ready' || msg.type === 'snapshot_failed') continue;
      if (hostFailure) throw hostFailure;
      const side = transport.takeSideOutput();
      if (msg.type === 'cell_end') return cellResultOf(msg, watch, side);
      transport.kill();
      const tail = transport.sideLabel && side.text.trim() ? `; ${transport.sideLabel}: ${side.text.trim().slice(-1000)}` : '';
      const what = watch.killed ? transport.killedMessage : `${msg.message}${tail}`;
      return { status: watch.interrupted ? 'timeout' : 'crashed', output: side.text, outputChars: side.chars, message: watch.deathMessage(what) };
    }
  } finally {
    watch.dispose();
  }
}

/**
 * The REPL's messages in arrival order for a transport's `next()`: pushed as they arrive, taken
 * one at a time. The first exit is kept for good (every later `next` returns it); later ones are
 * dropped.
 */
export class MessageQueue {
  private readonly queue: (ReplMessage | TransportExit)[] = [];
  private waiter: ((msg: ReplMessage | TransportExit) => void) | null = null;
  private exit: TransportExit | null = null;

  /** The exit pushed, if any. */
  get exited(): TransportExit | null {
    return this.exit;
  }

  /** Adds a message (or the exit). */
  push(msg: ReplMessage | TransportExit): void {
    if (msg.type === 'exit') {
      if (this.exit) return;
      this.exit = msg;
    }
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(msg);
    } else this.queue.push(msg);
  }

  /** The next message, waiting for one if none is queued. */
  next(): Promise<ReplMessage | TransportExit> {
    const queued = this.queue.shift();
    if (queued) {
      if (queued.type === 'exit') this.queue.unshift(queued); // exit is sticky
      return Promise.resolve(queued);
    }
    return new Promise((resolve) => (this.waiter = resolve));
  }
}
