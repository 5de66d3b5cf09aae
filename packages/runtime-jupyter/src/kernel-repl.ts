/**
 * One agent's REPL in a Jupyter kernel: the core cell driver (`driveCell`) over a
 * `KernelTransport` (kernel-transport.ts says how messages ride the kernel's channels). Neither
 * channel carries agent output (that is captured by the prelude, or arrives as iopub stream
 * messages), so printed text cannot pose as a call or a result.
 */
import { driveCell, initMessage, type CellResult, type ExecOptions, type HostCallHandler, type Repl, type ReplOptions, type WaitResult } from '@rlmtree/core';
import { KernelTransport } from './kernel-transport.ts';
import type { PreludeKernel } from './prelude-kernel.ts';

/** Options of a `KernelRepl`. */
export interface KernelReplOptions {
  /** After a timeout's interrupt, ms the cell gets to stop before the kernel is shut down (default 2000). */
  interruptGraceMs?: number;
  /** Run once when the REPL is closed or its kernel dies (`shutdown` is then set), for the owner's bookkeeping. */
  onClose?: () => void;
}

/** One agent's REPL in a kernel. */
export class KernelRepl implements Repl {
  private closed = false;
  private readonly kernel: PreludeKernel;
  private readonly grace: number;
  private readonly onClose: (() => void) | undefined;
  private readonly transport: KernelTransport;

  private constructor(kernel: PreludeKernel, maxOutputChars: number, options: KernelReplOptions) {
    this.kernel = kernel;
    this.grace = options.interruptGraceMs ?? 2000;
    this.onClose = options.onClose;
    this.transport = new KernelTransport(kernel, maxOutputChars, {
      interrupt: () => kernel.interrupt(),
      kill: () => void this.close(),
    });
    kernel.channel.onDeath(() => void this.close());
  }

  /**
   * Binds a prelude kernel to an agent: sends `init` with CONTEXT and tools.
   * @throws Error when the kernel dies or the prelude refuses the init (the kernel is shut down).
   */
  static async init(kernel: PreludeKernel, repl: ReplOptions, options: KernelReplOptions = {}): Promise<KernelRepl> {
    const r = new KernelRepl(kernel, repl.maxOutputChars, options);
    try {
      // `init` has no reply unless it fails.
      const reply = await r.transport.request(initMessage(repl));
      if (reply.type === 'exit') throw new Error(reply.message);
      if (reply.message) throw new Error(reply.message.type === 'fatal' ? reply.message.message : `unexpected ${reply.message.type}`);
    } catch (err) {
      await r.close();
      throw new Error(`jupyter: the REPL of ${repl.agentId} did not start: ${(err as Error).message}`);
    }
    return r;
  }

  /** False once the kernel died or the REPL was closed. */
  get alive(): boolean {
    return !this.closed && this.transport.alive;
  }

  /** The kernel's name: its id on the server, or its process id. */
  get kernelId(): string {
    return this.kernel.channel.kernelId;
  }

  /** Runs a cell. See `Repl.execute`. */
  execute(code: string, host: HostCallHandler, options: ExecOptions): Promise<CellResult> {
    return this.drive({ type: 'exec', cell: options.cell, code }, host, options);
  }

  /** Wakes the suspended cell. See `Repl.wake`. */
  wake(results: readonly WaitResult[], host: HostCallHandler, options: ExecOptions): Promise<CellResult> {
    return this.drive({ type: 'wake', cell: options.cell, results: [...results] }, host, options);
  }

  private drive(start: Parameters<typeof driveCell>[1], host: HostCallHandler, options: ExecOptions): Promise<CellResult> {
    if (!this.alive) return Promise.resolve({ status: 'crashed', output: '', outputChars: 0, message: 'the kernel is not running' });
    return driveCell(this.transport, start, host, { ...options, graceMs: this.grace });
  }

  /**
   * Closes the connection and shuts the kernel down (through the server, or by stopping the
   * kernel's process). Resolves without waiting for the kernel to exit (jupyter-server takes about
   * a second per kernel, which the engine would otherwise wait for at every step where agents
   * finish); `shutdown` resolves once it has. Never rejects.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shutdown = this.kernel.shutdown();
    this.onClose?.();
  }

  /** Resolves once the kernel has been shut down after `close()` (at once before it). */
  shutdown: Promise<void> = Promise.resolve();
}
