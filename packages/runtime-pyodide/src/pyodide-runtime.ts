/**
 * The Pyodide runtime: each agent's REPL is CPython compiled to WebAssembly (the `pyodide` npm
 * package, which ships the interpreter and its standard library: nothing is downloaded) in its
 * own `worker_threads` worker. No Python, Jupyter or Docker needed on the machine.
 *
 * What agent code can reach: the standard library, an in-memory file system (plus the host
 * folders given as `mounts`), no sockets (WebAssembly has none) and a `js` module bound to an
 * empty object. Pyodide itself does not promise isolation from hostile code the way a container
 * does (docs/pyodide-runtime.md says what was checked); for untrusted code use the docker runtime.
 *
 * A REPL start loads the interpreter (seconds, see bench/pyodide.bench.ts), hidden by a pool of
 * started workers like the subprocess runtime's.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ProcessReplSet, pythonFile, StartedProcess, WarmPool, type Repl, type ReplOptions, type Runtime } from '@rlmtree/core';
import { preludeSources } from '@rlmtree/runtime-python';
import { PyodideProcess } from './pyodide-process.ts';

/** A host folder visible inside every REPL. */
export interface PyodideMount {
  /** Folder on the host (resolved against the current directory). */
  hostPath: string;
  /** Absolute path inside the REPL, e.g. `/data`. */
  path: string;
}

/** Options of the Pyodide runtime. */
export interface PyodideRuntimeOptions {
  /** Started workers kept ready for the next agent (default 2; 0 = none). */
  poolSize?: number;
  /** After a timeout's interrupt, ms the cell gets before the worker is terminated (default 2000). */
  interruptGraceMs?: number;
  /** Extra environment variables of the interpreter (`os.environ`). */
  env?: Record<string, string>;
  /** Host folders mounted read-write into every REPL (none by default: no host files at all). */
  mounts?: PyodideMount[];
  /**
   * Start REPLs from a memory snapshot of an interpreter that has loaded the prelude, made once
   * per runtime (default true; 2.5 to 3 times faster per REPL than loading Pyodide afresh).
   */
  snapshot?: boolean;
}

const TRANSPORT_PATH = pythonFile('@rlmtree/runtime-pyodide', 'rlmtree_pyodide.py', import.meta.url);

/** Runs each agent's REPL in a Pyodide worker thread. */
export class PyodideRuntime implements Runtime {
  readonly name = 'pyodide';
  private readonly pool: WarmPool<StartedProcess>;
  private readonly repls: ProcessReplSet;
  private readonly options: PyodideRuntimeOptions;
  private readonly files: Record<string, string>;
  private snapshot: Promise<Uint8Array | undefined> | undefined;
  private closed = false;

  /**
   * Fills the pool right away (workers load in the background).
   * @throws Error naming the mount when a mount's `path` is not absolute.
   */
  constructor(options: PyodideRuntimeOptions = {}) {
    for (const m of options.mounts ?? []) {
      if (!m.path.startsWith('/')) throw new Error(`PyodideRuntime: mounts: path ${JSON.stringify(m.path)} is not absolute`);
    }
    this.options = options;
    this.files = { ...preludeSources(), 'rlmtree_pyodide.py': readFileSync(TRANSPORT_PATH, 'utf8') };
    this.repls = new ProcessReplSet(options.interruptGraceMs);
    this.pool = new WarmPool({ size: options.poolSize ?? 2, start: () => this.startWorker(), usable: (proc) => !proc.dead });
  }

  private async startWorker(): Promise<StartedProcess> {
    const options = {
      files: this.files,
      // A fixed string-hash seed, as on the other runtimes: a rebuilt REPL iterates sets alike.
      env: { PYTHONHASHSEED: '0', PYTHONIOENCODING: 'utf-8', HOME: '/home/pyodide', ...this.options.env },
      mounts: (this.options.mounts ?? []).map((m) => ({ hostPath: resolve(m.hostPath), path: m.path })),
    };
    // One snapshot per runtime; if it cannot be made, REPLs load Pyodide afresh (slower, same REPL).
    if (this.options.snapshot ?? true) this.snapshot ??= PyodideProcess.snapshot(options).catch(() => undefined);
    const snapshot = await this.snapshot;
    const worker = new PyodideProcess(snapshot ? { ...options, snapshot } : options);
    const started = StartedProcess.start(worker.asProcess(), worker.control);
    started.catch(() => worker.control.kill());
    return started;
  }

  /**
   * Takes a started worker from the pool (or starts one) and binds it to the agent.
   * @throws Error when Pyodide cannot load or the prelude fails to start.
   */
  async open(options: ReplOptions): Promise<Repl> {
    if (this.closed) throw new Error('PyodideRuntime: open() after close()');
    const proc =
      (await this.pool.take()) ??
      (await this.startWorker().catch((err: Error) => {
        throw new Error(`PyodideRuntime: cannot start a Pyodide REPL: ${err.message}`);
      }));
    return this.repls.bind(proc, options);
  }

  /** Terminates every REPL's worker and the pool's idle ones. Never rejects. */
  async close(): Promise<void> {
    this.closed = true;
    await this.repls.closeAll(this.pool);
  }
}
