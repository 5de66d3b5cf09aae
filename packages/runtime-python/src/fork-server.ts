/**
 * The fork server: one `python3` that has loaded the prelude listens on a Unix socket and forks a
 * fresh REPL per connection. A new agent's REPL then costs a fork and a handshake instead of an
 * interpreter start-up (measured by bench/repl-start.bench.ts), which matters for trees of
 * hundreds of agents. Modules in `preImports` are imported once in the server, and `gc.freeze()`
 * runs before each fork so the children keep its pages shared. POSIX only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { killGroup } from './kill-group.ts';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { ExitedMessageSchema, ListeningMessageSchema, parseMessage, StartedProcess, type ListeningMessage, type ProcessControl, type ProcessLike } from '@rlmtree/core';
import { FORK_SERVER_PATH } from './prelude-path.ts';

/** A forked REPL's socket, dressed as a process for `StartedProcess`. */
class ForkedProcess extends EventEmitter {
  readonly stdin: Socket;
  readonly stdout: Socket;
  readonly stderr = new PassThrough(); // raw output is captured in the REPL itself
  constructor(socket: Socket) {
    super();
    this.stdin = socket;
    this.stdout = socket;
    socket.setNoDelay(true);
    // The fork server's `exited` report names the exit status; it may come a moment after the
    // socket closes, so a close waits for it briefly before reporting an unknown ending.
    socket.on('close', () => {
      this.pending ??= setTimeout(() => this.exit(), EXIT_REPORT_WAIT_MS);
    });
    socket.on('error', () => {}); // a dead REPL shows as 'close'
  }

  private gone = false;
  private watch: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;

  /**
   * Reports the exit once (the socket closed, the process is gone, or the fork server said how
   * it ended: `code`, or the `signal` that killed it).
   */
  exit(code: number | null = null, signal: NodeJS.Signals | null = null): void {
    if (this.watch) clearInterval(this.watch);
    if (this.pending) clearTimeout(this.pending);
    if (this.gone) return;
    this.gone = true;
    this.emit('exit', code, signal);
  }

  /**
   * Watches the REPL's pid: a process its code forked may still hold the socket after the REPL
   * itself exited, so the socket alone would not say so until the cell's timeout. The fork server
   * reaps its children at once (its reaper thread), so a gone pid is an exited REPL.
   */
  watchPid(pid: number): void {
    this.watch = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        this.exit();
      }
    }, 200);
    this.watch.unref();
  }
}

/** How long a closed REPL socket waits for the fork server's `exited` report (ms). */
const EXIT_REPORT_WAIT_MS = 100;

/** Forked REPLs by the pid they reported, until their exit: where `exited` reports go. */
type ExitWatchers = Map<number, ForkedProcess>;

/**
 * Sends a signal to a REPL by the pid its `ready` reported. On the host that is `process.kill`;
 * inside a container the pid is the container's, and the container's pid 1 signals it.
 */
export type ReplSignaller = (signal: 'SIGINT' | 'SIGKILL', pid: number) => void;

/** `process.kill`, ignoring a process already gone. */
export const signalHostPid: ReplSignaller = (signal, pid) => {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
};

/**
 * Connects to a Unix socket where a fork server or a parked snapshot listens (each connection
 * forks a REPL there) and waits for that REPL's `ready`.
 * @param signal how to signal the REPL (default: a host pid)
 * @param hostPids the REPL's reported pid is a host pid: without `exits`, also watch it (see `ForkedProcess.watchPid`)
 * @param exits where the fork server's `exited` reports for this REPL arrive (then its pid is not polled)
 * @throws Error when nothing listens there or the REPL does not start.
 */
export async function connectRepl(
  socketPath: string,
  signal: ReplSignaller = signalHostPid,
  hostPids = true,
  exits?: ExitWatchers,
  reaped?: (pid: number) => void,
): Promise<StartedProcess> {
  const socket = connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const proc = new ForkedProcess(socket);
  let pid: number | undefined;
  const control: ProcessControl = {
    interrupt: () => void (pid !== undefined && signal('SIGINT', pid)),
    kill: () => {
      if (pid !== undefined) signal('SIGKILL', pid);
      socket.destroy();
    },
  };
  const started = await StartedProcess.start(proc as unknown as ProcessLike, control);
  pid = started.pid;
  if (pid !== undefined && (exits || reaped)) {
    const reported = pid;
    exits?.set(reported, proc);
    proc.once('exit', () => {
      exits?.delete(reported);
      reaped?.(reported);
    });
  }
  // A server's `exited` reports say when its REPLs end; only a REPL nobody reports on (a
  // snapshot's copy, reaped by the parked snapshot) is polled (a syscall per REPL every 200 ms).
  if (pid !== undefined && hostPids && !exits) proc.watchPid(pid);
  return started;
}

/**
 * Where a fork server runs and how to reach it: the subprocess runtime's on the host, the docker
 * runtime's inside its container (its socket folder bind-mounted from the host).
 */
export interface ForkServerPlace {
  /** Starts the server process, given the path of its socket as the server sees it. */
  spawn(socket: string): ChildProcess;
  /** The host folder holding the server's socket and its REPLs' snapshot sockets. */
  hostDir: string;
  /** The same folder as the server sees it (the host folder itself, or its mount point in a container). */
  serverDir: string;
  /** How to signal a REPL by its reported pid (default: a host pid). */
  signal?: ReplSignaller;
  /** Reported pids are host pids (default true): REPLs are watched by pid, snapshot memory is read from /proc. */
  hostPids?: boolean;
  /**
   * Run once a REPL the server forked has ended, with its reported pid: in a container, kills
   * its process group (what its code forked dies with it, as with a `docker exec`'d REPL).
   */
  reaped?: (pid: number) => void;
  /** Stops the server process and frees what the place holds. */
  stop: (child: ChildProcess) => void;
}

/** A running fork server. */
export class ForkServer {
  private readonly place: ForkServerPlace;
  private readonly child: ChildProcess;
  private readonly listening: Promise<void>;
  private readonly exits: ExitWatchers = new Map();

  /**
   * Starts `python -u rlmtree_fork_server.py <socket> <options as JSON>` on the host, or, with
   * a `place`, wherever that says (see `ready()`).
   * `preImports`: module names the server imports before it forks (a failed one is reported
   * once through `process.emitWarning`, code `RLMTREE_PRE_IMPORT`; the server runs without it).
   * `spares`: REPLs the server keeps forked ahead, waiting for a connection (0: fork at each).
   * A `place` brings its own options in its command.
   */
  constructor(python: string, env: NodeJS.ProcessEnv, cwd?: string, preImports: readonly string[] = [], place?: ForkServerPlace, spares: number = DEFAULT_SPARES) {
    this.place = place ?? hostPlace(python, env, cwd, { preImports, spares });
    this.child = this.place.spawn(join(this.place.serverDir, 'repl.sock'));
    this.listening = new Promise((resolve, reject) => {
      const lines = createInterface({ input: this.child.stdout! });
      lines.once('line', (line) => {
        let listening: ListeningMessage;
        try {
          listening = parseMessage(ListeningMessageSchema, line);
        } catch {
          reject(new Error(`fork server said: ${line}`));
          return;
        }
        // Then one `exited` line per REPL it forked that ended: how, for the crash message.
        lines.on('line', (next) => {
          try {
            const exited = parseMessage(ExitedMessageSchema, next);
            this.exits.get(exited.pid)?.exit(exited.code, (exited.signal as NodeJS.Signals | null) ?? null);
          } catch {
            // not a report: ignored (the server writes nothing else)
          }
        });
        for (const { module, error } of listening.preImportErrors ?? []) {
          process.emitWarning(`the fork server could not pre-import '${module}' (REPLs start without it): ${error}`, {
            code: 'RLMTREE_PRE_IMPORT',
          });
        }
        resolve();
      });
      this.child.once('exit', (code) => reject(new Error(`the fork server exited with code ${code}`)));
      this.child.once('error', (err) => reject(new Error(`cannot start the fork server: ${err.message}`)));
    });
    this.listening.catch(() => {});
  }

  /** Forks a new REPL and waits for its `ready`. @throws Error when the server is gone. */
  async fork(): Promise<StartedProcess> {
    await this.listening;
    return connectRepl(join(this.place.hostDir, 'repl.sock'), this.place.signal, this.place.hostPids ?? true, this.exits, this.place.reaped);
  }

  /** Where the server and its REPLs' snapshots are, and how to signal them. */
  get where(): Readonly<ForkServerPlace> {
    return this.place;
  }

  /** Resolves once the server listens. @throws Error when it could not start. */
  ready(): Promise<void> {
    return this.listening;
  }

  /**
   * Stops the server: it kills every process below it (the REPLs it forked, their snapshots and
   * whatever their code started, `setsid()` or not) and exits when its stdin closes; then the
   * place stops it (on the host: its process group is killed) after at most `graceMs` (ms).
   * Never rejects.
   */
  async close(graceMs = 1000): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.stdin?.end();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    this.place.stop(this.child);
  }
}

/**
 * REPLs a fork server keeps forked ahead by default: a REPL start is then an accept and a
 * handshake, and the fork that replaces the spare runs while the host goes on. Four cover the
 * engine's default of eight concurrent effects in two rounds; each idle spare costs its unique
 * pages (a few MB) and no CPU.
 */
export const DEFAULT_SPARES = 4;

/** The fork server's options, as its command line's JSON object. */
export interface ForkServerOptions {
  /** Modules the server imports before it forks. */
  preImports: readonly string[];
  /** REPLs kept forked ahead, waiting for a connection (0: fork at each connection). */
  spares: number;
  /** Each REPL leads its own process group (in a container). */
  ownGroups?: boolean;
}

/** The subprocess runtime's fork server: `python3` on the host, in a private temp folder. */
function hostPlace(python: string, env: NodeJS.ProcessEnv, cwd: string | undefined, options: ForkServerOptions): ForkServerPlace {
  const dir = mkdtempSync(join(tmpdir(), 'rlmtree-fork-'));
  return {
    hostDir: dir,
    serverDir: dir,
    // Its own process group: the REPLs it forks, and whatever their code forks, inherit it, so
    // `close` kills them all with the server instead of leaving them re-parented to pid 1.
    spawn: (socket) =>
      spawn(python, ['-X', 'utf8', '-u', FORK_SERVER_PATH, socket, JSON.stringify(options)], {
        stdio: ['pipe', 'pipe', 'inherit'],
        env,
        cwd,
        detached: process.platform !== 'win32',
      }),
    stop: (child) => {
      killGroup(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
