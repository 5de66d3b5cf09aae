/**
 * The subprocess runtime: each agent's REPL is a `python3` child process running the prelude,
 * spoken to over its pipes. The embedded default. Not a sandbox: agent code runs with the
 * host user's rights (use the docker runtime for code you do not trust).
 */
import { spawn } from 'node:child_process';
import { ProcessReplSet, StartedProcess, WarmPool, type Repl, type ReplOptions, type Runtime } from '@rlmtree/core';
import { PRELUDE_DIR, REAPER_PATH } from './prelude-path.ts';
import { snapshotsIn } from './snapshot.ts';
import { ForkServer } from './fork-server.ts';
import { killGroup } from './kill-group.ts';
import { ContextFiles } from './context-files.ts';
import { ContextServers } from './context-servers.ts';

/** How long a REPL's guard gets to kill what is below it before its process group is killed (ms). */
const GUARD_GRACE_MS = 1000;

/** Options of the subprocess runtime. */
export interface SubprocessRuntimeOptions {
  /** The Python interpreter (default `python3`, or `$RLMTREE_PYTHON`). */
  python?: string;
  /**
   * Start REPLs by forking a warm `python3` that already loaded the prelude (default on POSIX),
   * instead of starting an interpreter per agent. Forked REPLs share the server's environment
   * and working directory.
   */
  fork?: boolean;
  /**
   * With `fork`: modules the fork server imports before it forks (e.g. `['numpy', 'pandas']`),
   * so each REPL finds them loaded and shares their memory instead of importing them again.
   * A module that fails to import is reported once (`process.emitWarning`, code
   * `RLMTREE_PRE_IMPORT`) and left out; REPLs can still try to import it themselves.
   * Ignored without `fork`. Default: none.
   */
  preImports?: string[];
  /**
   * With `fork`: REPLs the fork server keeps forked ahead, each waiting for its connection, so a
   * REPL start is an accept and a handshake (default 4, `DEFAULT_SPARES`; 0: fork at each start).
   * Each idle spare costs a few MB of unique memory and no CPU.
   */
  spares?: number;
  /** Without `fork`: started REPL processes kept ready for the next agent (default 2; 0 = none). */
  poolSize?: number;
  /** Extra environment variables for the REPL processes. */
  env?: Record<string, string>;
  /** Working directory of the REPL processes (default: the host's). */
  cwd?: string;
  /** After a timeout's interrupt, ms the cell gets before the process is killed (default 2000). */
  interruptGraceMs?: number;
  /**
   * Pass big contexts (64 K chars and more) to REPLs as files they read, written once per distinct
   * context in a temp folder removed at `close` (default true); false sends every context inline
   * in the `init` message (JSON). See docs/big-contexts.md.
   */
  contextFiles?: boolean;
  /**
   * With `fork` and `contextFiles`: distinct big contexts (1 MB and more) kept decoded in a
   * context server each, from which every REPL given that context is forked, sharing its pages
   * instead of decoding its own copy (default `DEFAULT_CONTEXT_SERVERS`, least recently used
   * dropped first; 0: every REPL reads the file itself). See docs/big-contexts.md.
   */
  contextServers?: number;
}

/** Runs each agent's REPL in its own `python3` process; a small pool hides start-up time. */
export class SubprocessRuntime implements Runtime {
  readonly name = 'subprocess';
  private readonly python: string;
  private readonly pool: WarmPool<StartedProcess>;
  private readonly repls: ProcessReplSet;
  private readonly forkServer: ForkServer | null;
  private readonly contextFiles: ContextFiles | undefined;
  /** REPLs over one big context file are forked from a process holding it (absent: without a fork server or context files). */
  private readonly contextServers: ContextServers | undefined;
  private closed = false;

  private readonly options: SubprocessRuntimeOptions;

  /** Fills the pool right away (processes start in the background). */
  constructor(options: SubprocessRuntimeOptions = {}) {
    this.options = options;
    this.python = options.python ?? process.env.RLMTREE_PYTHON ?? 'python3';
    const fork = options.fork ?? process.platform !== 'win32';
    if (options.spares !== undefined && !(Number.isInteger(options.spares) && options.spares >= 0)) {
      throw new RangeError(`SubprocessRuntime: spares must be an integer >= 0, got ${options.spares}`);
    }
    this.forkServer = fork ? new ForkServer(this.python, this.env(), options.cwd, options.preImports, undefined, options.spares) : null;
    // Only REPLs the fork server forked can park snapshots (in its folder, its process group).
    this.contextFiles = options.contextFiles === false ? undefined : new ContextFiles();
    const files = this.contextFiles;
    this.repls = new ProcessReplSet(options.interruptGraceMs, snapshotsIn(this.forkServer?.where), files && ((context) => files.part(context)));
    const server = this.forkServer;
    if (options.contextServers !== undefined && !(Number.isInteger(options.contextServers) && options.contextServers >= 0)) {
      throw new RangeError(`SubprocessRuntime: contextServers must be an integer >= 0, got ${options.contextServers}`);
    }
    this.contextServers = server && files && options.contextServers !== 0 ? new ContextServers(server.where, () => server.fork(), options.contextServers === undefined ? {} : { max: options.contextServers }) : undefined;
    this.pool = new WarmPool({
      size: fork ? 0 : (options.poolSize ?? 2),
      start: () => this.startProcess(),
      usable: (proc) => !proc.dead,
    });
  }

  private startProcess(): Promise<StartedProcess> {
    // `rlmtree_reaper.py <host pid>`: a guard process (a child subreaper running no agent code)
    // forks the REPL and kills everything below it when the REPL ends, when it is sent SIGTERM,
    // or when this host dies, even after the code's setsid() or double fork. It also leads its
    // own process group (detached = setsid), the fallback where there is no subreaper (not Linux).
    const script = process.platform === 'win32' ? [PRELUDE_DIR] : [REAPER_PATH, String(process.pid)]; // no fork() on Windows
    const child = spawn(this.python, ['-X', 'utf8', '-u', ...script], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: this.env(),
      cwd: this.options.cwd,
      detached: process.platform !== 'win32',
    });
    const control = {
      interrupt: () => void child.kill('SIGINT'), // the guard passes it on to the REPL
      kill: () => {
        // The guard kills the REPL and its descendants and then itself; the group kill after a
        // grace covers a guard that cannot (SIGTERM is not a kill on Windows).
        child.kill('SIGTERM');
        setTimeout(() => child.exitCode === null && child.signalCode === null && killGroup(child), GUARD_GRACE_MS).unref();
      },
    };
    // A REPL that exits on its own (a clean shutdown at close, a crash) leaves what its code forked
    // in its group: sweep the group then too, not only when the host kills it.
    child.once('exit', () => {
      if (child.pid === undefined || process.platform === 'win32') return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // no process left in the group
      }
    });
    const started = StartedProcess.start(child, control);
    started.catch(() => control.kill());
    return started;
  }

  private env(): NodeJS.ProcessEnv {
    // A fixed string-hash seed: set iteration order must not change when a REPL is rebuilt from
    // its record in another process (a fork, a resume), or the replay would diverge.
    return { ...process.env, PYTHONIOENCODING: 'utf-8', PYTHONHASHSEED: '0', ...this.options.env };
  }

  /**
   * Resolves once the fork server listens (or the pool is full), so the next `open()` does not
   * wait for an interpreter start.
   * @throws Error when python3 cannot be started or the prelude fails to load.
   */
  async ready(): Promise<void> {
    await this.forkServer?.ready();
    await Promise.all(this.pool.pending);
  }

  /**
   * Starts (or takes from the pool) a `python3` process and binds it to the agent.
   * @throws Error when python3 cannot be started or the prelude fails to load.
   */
  async open(options: ReplOptions): Promise<Repl> {
    if (this.closed) throw new Error('SubprocessRuntime: open() after close()');
    let proc: StartedProcess | undefined;
    if (this.forkServer) {
      const part = this.repls.partOf(options.context);
      const servers = this.contextServers;
      proc = await (servers ? servers.start(part) : this.forkServer.fork()).catch((err: Error) => {
        throw new Error(`SubprocessRuntime: cannot fork a REPL from ${this.python}: ${err.message}`);
      });
      return this.repls.bind(proc, options, true, part);
    }
    proc = await this.pool.take();
    proc ??= await this.startProcess().catch((err: Error) => {
      throw new Error(`SubprocessRuntime: cannot start ${this.python}: ${err.message}`);
    });
    return this.repls.bind(proc, options, false);
  }

  /** Closes every REPL and the pool's idle processes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.repls.closeAll(this.pool);
    await this.contextServers?.close();
    await this.forkServer?.close();
    this.contextFiles?.close();
  }
}
