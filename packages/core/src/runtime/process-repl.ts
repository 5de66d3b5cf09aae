/**
 * A REPL living in a process (or anything dressed as one) that serves the prelude over JSON
 * lines: the protocol on its stdin/stdout, its stderr carrying whatever the agent wrote straight
 * to file descriptors 1 and 2. The line-protocol transport such runtimes share — subprocess (and
 * its fork server's sockets), Docker, Pyodide's worker threads, and one of your own package;
 * they differ only in how the process is started, interrupted and killed.
 */
import type { ChildProcess } from 'node:child_process';
import type { Context, WaitResult } from '../schema/state.ts';
import type { ContextPartOf } from './process-repl-set.ts';
import { driveCell, MessageQueue, type ReplTransport, type SideOutput, type TransportExit } from './cell-driver.ts';
import { checkProtocolVersion, parseReplMessage, type HostMessage, type ReplMessage } from './protocol.ts';
import { initMessage, type CellResult, type ExecOptions, type HostCallHandler, type Repl, type ReplOptions, type ReplSnapshot } from './runtime.ts';
import { nodeReadline } from '../util/builtins.ts';

/**
 * How a process REPL parks live copies of itself (`Repl.snapshot`): the prelude's process answers
 * `snapshot` with `snapshot_ready` (the subprocess runtime's fork server does; see
 * runtime-python/src/snapshot.ts). A runtime without it gives REPLs whose `snapshot()` is null.
 */
export interface SnapshotSupport {
  /** A fresh socket name for the next snapshot: its path as the REPL sees it (sent in `snapshot`). */
  nextPath(): string;
  /** The snapshot parked at `path` (as the REPL sees it) as process `pid`. */
  parked(path: string, pid: number): ReplSnapshot;
}

/** How to stop a process's current cell and the process itself. */
export interface ProcessControl {
  /**
   * Raise KeyboardInterrupt in the running cell (SIGINT to the Python process); a promise when
   * the signal travels (e.g. `docker kill`), settled once it was delivered.
   */
  interrupt(): void | Promise<unknown>;
  /** Kill the process for good. */
  kill(): void;
}

/** Options of a `ProcessRepl`. */
export interface ProcessReplOptions {
  /** After a timeout's interrupt, how long the cell gets to stop before the process is killed (ms). */
  interruptGraceMs?: number;
  /** Bytes of raw stderr kept per cell (the rest is counted, not kept). */
  maxStderrBytes?: number;
  /** Run when the process exits, for the owner's bookkeeping. */
  onExit?: () => void;
  /** Lets `snapshot()` park live copies (REPLs forked by the fork server); without it, `snapshot()` gives null. */
  snapshots?: SnapshotSupport;
  /** How a context is handed to this REPL (a file it reads, or inline); gives `contextCode`. Default: inline. */
  contextPart?: ContextPartOf;
}

/**
 * What a REPL process needs to offer: protocol in on `stdout`, protocol out on `stdin`, raw
 * output on `stderr`, and `exit` / `error` events. A `ChildProcess` is one; so is a forked REPL's
 * socket wrapped by the fork server.
 */
export type ProcessLike = Pick<ChildProcess, 'stdin' | 'stdout' | 'stderr' | 'on' | 'once'>;

/**
 * A started process speaking the protocol, before `init`: the cell driver's transport over the
 * process's pipes (stderr is the side output). Made by `StartedProcess.start`, then turned into a
 * `ProcessRepl` by `init` (so a pool can keep started processes warm).
 */
export class StartedProcess implements ReplTransport {
  /** How a kill reads in a crash message. */
  readonly killedMessage = 'the REPL was killed';
  /** Crash messages end with the tail of raw stderr. */
  readonly sideLabel = 'stderr';
  /** Python version the prelude reported. */
  python = '';
  /** Process id the prelude reported, as seen where it runs (inside a container: that pid namespace's). */
  pid: number | undefined;
  private readonly messages = new MessageQueue();
  private stderrChunks: Buffer[] = [];
  private stderrBytes = 0;
  private stderrDropped = 0;
  private exited: string | null = null;

  /** The process. */
  readonly child: ProcessLike;
  /** How to interrupt and kill it. */
  readonly control: ProcessControl;
  private readonly maxStderrBytes: number;

  private constructor(child: ProcessLike, control: ProcessControl, maxStderrBytes: number) {
    this.child = child;
    this.control = control;
    this.maxStderrBytes = maxStderrBytes;
    const lines = nodeReadline().createInterface({ input: child.stdout!, crlfDelay: Infinity });
    lines.on('line', (line) => {
      let msg: ReplMessage | TransportExit;
      try {
        msg = parseReplMessage(line);
      } catch (err) {
        msg = { type: 'fatal', message: (err as Error).message };
      }
      this.push(msg);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (this.stderrBytes < this.maxStderrBytes) {
        const keep = chunk.subarray(0, this.maxStderrBytes - this.stderrBytes);
        this.stderrChunks.push(keep);
        this.stderrBytes += keep.length;
        this.stderrDropped += chunk.length - keep.length;
      } else this.stderrDropped += chunk.length;
    });
    child.stdin!.on('error', () => {}); // EPIPE after a crash is reported through 'exit'
    child.on('exit', (code, signal) => {
      this.exited = signal
        ? `the REPL process was killed by ${signal}`
        : code === null
          ? 'the REPL process ended'
          : code === 137
            ? 'the REPL process was killed (exit code 137: SIGKILL, most often the memory limit)'
            : `the REPL process exited with code ${code}`;
      // Let readline deliver lines already read before reporting the exit.
      lines.once('close', () => this.push({ type: 'exit', message: this.exited! }));
      setTimeout(() => this.push({ type: 'exit', message: this.exited! }), 50);
    });
    child.on('error', (err) => this.push({ type: 'exit', message: `the REPL process failed: ${err.message}` }));
  }

  /**
   * Spawns nothing itself: wraps an already spawned process and waits for the prelude's `ready`.
   * @throws Error when the process exits or says something else first; ProtocolVersionError
   *   when the prelude speaks another protocol version.
   */
  static async start(child: ProcessLike, control: ProcessControl, maxStderrBytes = 1 << 20): Promise<StartedProcess> {
    const proc = new StartedProcess(child, control, maxStderrBytes);
    const first = await proc.next();
    if (first.type !== 'ready') {
      const stderr = proc.takeStderr().trim();
      throw new Error(`REPL did not start: ${'message' in first ? first.message : first.type}${stderr ? `: ${stderr.slice(-500)}` : ''}`);
    }
    checkProtocolVersion('REPL', first);
    proc.python = first.python;
    proc.pid = first.pid;
    return proc;
  }

  /** True once the process has exited. */
  get dead(): boolean {
    return this.exited !== null;
  }

  /** False once the process has exited. */
  get alive(): boolean {
    return this.exited === null;
  }

  /** Raises KeyboardInterrupt in the running cell; see `ProcessControl.interrupt`. */
  interrupt(): void | Promise<unknown> {
    return this.control.interrupt();
  }

  /** Kills the process. */
  kill(): void {
    this.control.kill();
  }

  /** Raw stderr since the last call (see `takeStderr`). */
  takeSideOutput(): SideOutput {
    const text = this.takeStderr();
    return { text, chars: text.length };
  }

  private push(msg: ReplMessage | TransportExit): void {
    this.messages.push(msg);
  }

  /** The next message from the REPL (or its exit, sticky). */
  next(): Promise<ReplMessage | TransportExit> {
    return this.messages.next();
  }

  /** Sends one protocol message. */
  send(msg: HostMessage): void {
    if (this.exited || !this.child.stdin!.writable) return;
    this.child.stdin!.write(JSON.stringify(msg) + '\n');
  }

  /** Raw stderr since the last call, with a note of what was dropped. */
  takeStderr(): string {
    let text = Buffer.concat(this.stderrChunks).toString('utf8');
    if (this.stderrDropped > 0) text += `\n[${this.stderrDropped} more bytes of stderr dropped]\n`;
    this.stderrChunks = [];
    this.stderrBytes = 0;
    this.stderrDropped = 0;
    return text;
  }
}

/** One agent's REPL over a `StartedProcess`. */
export class ProcessRepl implements Repl {
  private closed = false;
  private readonly grace: number;
  private readonly snapshots: SnapshotSupport | undefined;
  private readonly contextPart: ContextPartOf | undefined;
  /** The last request in flight: cells and snapshots run one after the other. */
  private chain: Promise<unknown> = Promise.resolve();

  private readonly proc: StartedProcess;

  private constructor(proc: StartedProcess, options: ProcessReplOptions) {
    this.proc = proc;
    this.grace = options.interruptGraceMs ?? 2000;
    this.snapshots = options.snapshots;
    this.contextPart = options.contextPart;
    proc.child.once('exit', () => options.onExit?.());
  }

  /**
   * Binds a started process to an agent: sends `init` with CONTEXT (inline, or the file
   * `contextPart` names) and tools.
   */
  static init(proc: StartedProcess, repl: ReplOptions, options: ProcessReplOptions = {}, contextPart?: Parameters<typeof initMessage>[1]): ProcessRepl {
    proc.send(initMessage(repl, contextPart));
    return new ProcessRepl(proc, options);
  }

  /** A REPL over a process that is set up already (opened from a snapshot): no `init`. */
  static adopt(proc: StartedProcess, options: ProcessReplOptions = {}): ProcessRepl {
    return new ProcessRepl(proc, options);
  }

  /** False once the process died or the REPL was closed. */
  get alive(): boolean {
    return !this.closed && !this.proc.dead;
  }

  /** Runs `request` after the one in flight (a cell on another engine's fork, a snapshot). */
  private serial<T>(request: () => Promise<T>): Promise<T> {
    const run = this.chain.then(request, request);
    this.chain = run.catch(() => {});
    return run;
  }

  /** Runs a cell. See `Repl.execute`. */
  execute(code: string, host: HostCallHandler, options: ExecOptions): Promise<CellResult> {
    if (this.closed) return Promise.resolve(notRunning());
    return this.serial(() => driveCell(this.proc, { type: 'exec', cell: options.cell, code }, host, { ...options, graceMs: this.grace }));
  }

  /** Wakes the suspended cell. See `Repl.wake`. */
  wake(results: readonly WaitResult[], host: HostCallHandler, options: ExecOptions): Promise<CellResult> {
    if (this.closed) return Promise.resolve(notRunning());
    return this.serial(() => driveCell(this.proc, { type: 'wake', cell: options.cell, results: [...results] }, host, { ...options, graceMs: this.grace }));
  }

  /**
   * Parks a live copy of this REPL (see `Repl.snapshot`); null when the REPL is not one the fork
   * server forked, is gone, or the copy failed (the REPL goes on unchanged either way).
   */
  snapshot(): Promise<ReplSnapshot | null> {
    const support = this.snapshots;
    if (!support || !this.alive) return Promise.resolve(null);
    return this.serial(async () => {
      if (!this.alive) return null;
      const path = support.nextPath();
      this.proc.send({ type: 'snapshot', path });
      const reply = await this.proc.next();
      return reply.type === 'snapshot_ready' ? support.parked(path, reply.pid) : null;
    });
  }

  /**
   * `_rlmtree_context_file(<the file>)` when the runtime hands `context` over as a file (see
   * `Repl.contextCode`; the prelude binds that function at `init`), else undefined.
   */
  contextCode(context: Context): string | undefined {
    const part = this.contextPart?.(context);
    if (!part || !('contextFile' in part)) return undefined;
    // A JSON text is a valid Python string literal (see session/bind.ts).
    return `_rlmtree_context_file(__import__("json").loads(${JSON.stringify(JSON.stringify(part.contextFile))}))`;
  }

  /** Asks the prelude to exit, then kills the process. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.proc.send({ type: 'shutdown' });
    this.proc.child.stdin?.end();
    if (!this.proc.dead) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.proc.control.kill();
          resolve();
        }, 500);
        this.proc.child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

function notRunning(): CellResult {
  return { status: 'crashed', output: '', outputChars: 0, message: 'the REPL is not running' };
}
