/**
 * The Jupyter runtime: each agent's REPL is its own Jupyter kernel (default `python3`, i.e.
 * ipykernel) running the rlmtree prelude. The server is either one this runtime starts on a
 * free loopback port (local mode) or an existing Jupyter Server, JupyterHub user server or
 * Enterprise Gateway given by URL and token (remote mode); with `direct` (the local default when
 * the optional `zeromq` package is installed), there is no server: the runtime starts the
 * kernels itself and speaks ZeroMQ to them (one hop per message instead of two). A pool of
 * kernels started ahead, with the prelude loaded, hides kernel start-up (about 3 s) from
 * delegation.
 */
import { availableParallelism } from 'node:os';
import { WarmPool, type Repl, type ReplOptions, type Runtime } from '@rlmtree/core';
import { KernelRepl } from './kernel-repl.ts';
import { LocalJupyterServer, type LocalServerOptions } from './local-server.ts';
import { findKernelSpec, type KernelSpec } from './direct-kernel.ts';
import { loadZmq } from './zmq-channel.ts';
import { startDirectPreludeKernel, startPreludeKernel, type PreludeKernel } from './prelude-kernel.ts';
import { serverInfo, type JupyterServerInfo } from './server-info.ts';

/** Options of the Jupyter runtime. */
export interface JupyterRuntimeOptions {
  /** A running server to use (remote mode); absent: start a local `jupyter server`. */
  url?: string;
  /** The remote server's token (default `$JUPYTER_TOKEN`). */
  token?: string;
  /** Kernel spec name (default `python3`). */
  kernelName?: string;
  /** Kernels kept started and ready for the next agent (default 2; 0 turns the pool off). */
  poolSize?: number;
  /**
   * Kernels the pool starts at a time. A kernel's start costs about a second of CPU, so when a
   * fan-out takes many warm kernels at once, unbounded refills would all start together and
   * starve the agents they serve (a 20-child fan-out took 8× longer here). Default: this
   * machine's `os.availableParallelism()` for local kernels, no bound with `url` (they start on
   * the server's machine). An agent that finds the pool empty starts its kernel at once.
   */
  poolStarts?: number;
  /** After a timeout's interrupt, ms the cell gets before its kernel is shut down (default 2000). */
  interruptGraceMs?: number;
  /** Send an immediate ACK for every websocket frame (see `KernelChannelOptions.quickAck`; default true). */
  quickAck?: boolean;
  /** Local mode: how the server is started (command, cwd, extra args, env). */
  local?: LocalServerOptions;
  /**
   * No server: start each kernel from its kernel spec and talk to it over ZeroMQ (ipc sockets in
   * a private temp folder). Local only (not with `url`).
   * - unset (default): direct when there is no `url`, the `zeromq` package loads and the kernel
   *   spec is on disk; otherwise a local server, with a warning (`RLMTREE_JUPYTER_NO_DIRECT`)
   *   saying why. Direct is the faster path (docs/jupyter.md, `bench/jupyter.bench.ts`).
   * - true: direct, and `open()` / `ready()` fail when `zeromq` or the kernel spec is missing.
   * - false: always a server (a local one unless `url` is given).
   */
  direct?: boolean;
}

let warned = false;

/** Says once per process why a local runtime went through a server instead of direct kernels. */
function warnNoDirect(why: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(`rlmtree jupyter: kernels go through a local jupyter server (slower per cell than direct kernels) because ${why}; pass { direct: false } (--runtime jupyter=server) to choose the server and silence this`, { code: 'RLMTREE_JUPYTER_NO_DIRECT' });
}

/**
 * The kernel spec to start direct kernels from, or null for the server path (see
 * `JupyterRuntimeOptions.direct`).
 * @throws Error when `direct: true` and `zeromq` or the spec is missing.
 */
async function directSpec(options: JupyterRuntimeOptions, kernelName: string): Promise<KernelSpec | null> {
  if (options.url !== undefined || options.direct === false) return null;
  if (options.direct === true) {
    await loadZmq();
    return findKernelSpec(kernelName);
  }
  try {
    await loadZmq();
  } catch {
    warnNoDirect('the optional zeromq package is not installed (npm install zeromq)');
    return null;
  }
  try {
    return findKernelSpec(kernelName);
  } catch (err) {
    warnNoDirect((err as Error).message.replace(/^jupyter: /, ''));
    return null;
  }
}

/** Runs each agent's REPL in its own Jupyter kernel. */
export class JupyterRuntime implements Runtime {
  readonly name = 'jupyter';
  private readonly options: JupyterRuntimeOptions;
  private readonly kernelName: string;
  /** The spec direct kernels start from; null on the server path. */
  private readonly spec: Promise<KernelSpec | null>;
  /** Null with direct kernels (no server). */
  private readonly server: Promise<JupyterServerInfo | null>;
  private local: LocalJupyterServer | null = null;
  private readonly pool: WarmPool<PreludeKernel>;
  private readonly live = new Set<KernelRepl>();
  /** Kernel shutdowns requested by closed REPLs and not finished yet. */
  private readonly shuttingDown = new Set<Promise<void>>();
  private closed = false;

  /**
   * Starts the local server (or checks the remote URL) and fills the pool in the background;
   * failures surface from `open()` / `ready()`.
   * @throws Error at once when `url` is not an http(s) URL; RangeError when `poolStarts` is not a
   *   positive integer.
   */
  constructor(options: JupyterRuntimeOptions = {}) {
    this.options = options;
    this.kernelName = options.kernelName ?? 'python3';
    if (options.direct && options.url !== undefined) throw new Error('JupyterRuntime: `direct` starts kernels on this machine; it cannot be used with `url`');
    this.spec = directSpec(options, this.kernelName);
    if (options.url !== undefined) {
      this.server = Promise.resolve(serverInfo(options.url, options.token ?? process.env.JUPYTER_TOKEN ?? ''));
    } else {
      this.server = this.spec.then(async (spec) => {
        if (spec) return null;
        const s = await LocalJupyterServer.start(options.local);
        this.local = s;
        if (this.closed) void s.stop();
        return s.info;
      });
    }
    this.spec.catch(() => {}); // reported by open()/ready()
    this.server.catch(() => {});
    const poolStarts = options.poolStarts ?? (options.url === undefined ? availableParallelism() : undefined);
    this.pool = new WarmPool({
      size: options.poolSize ?? 2,
      ...(poolStarts === undefined ? {} : { maxStarting: poolStarts }),
      start: () => this.startKernel(),
      usable: (k) => k.channel.dead === null,
      discard: (k) => void k.shutdown(),
    });
  }

  /** Where the server is (resolves once a local server answers; null with direct kernels). */
  serverInfo(): Promise<JupyterServerInfo | null> {
    return this.server;
  }

  /**
   * Resolves once the server answers and the pool is full.
   * @throws Error when the server cannot start or a kernel cannot.
   */
  async ready(): Promise<void> {
    await this.server;
    await Promise.all(this.pool.pending);
  }

  private async startKernel(): Promise<PreludeKernel> {
    const spec = await this.spec;
    if (spec) return startDirectPreludeKernel(spec);
    const server = (await this.server)!;
    return startPreludeKernel(server, this.kernelName, this.options.quickAck === undefined ? {} : { quickAck: this.options.quickAck });
  }

  /**
   * Takes a warm kernel (or starts one) and binds it to the agent.
   * @throws Error when the server or the kernel cannot start or the prelude refuses the init.
   */
  async open(options: ReplOptions): Promise<Repl> {
    if (this.closed) throw new Error('JupyterRuntime: open() after close()');
    const kernel = (await this.pool.take()) ?? (await this.startKernel());
    if (this.closed) {
      await kernel.shutdown();
      throw new Error('JupyterRuntime: closed while opening a REPL');
    }
    let repl: KernelRepl | undefined;
    repl = await KernelRepl.init(kernel, options, {
      interruptGraceMs: this.options.interruptGraceMs,
      onClose: () => {
        if (!repl) return;
        this.live.delete(repl);
        const done = repl.shutdown.finally(() => this.shuttingDown.delete(done));
        this.shuttingDown.add(done);
      },
    });
    this.live.add(repl);
    return repl;
  }

  /** Shuts down every kernel (live and pooled) and the local server. Never rejects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const idle = await this.pool.drain();
    await Promise.all([
      ...[...this.live].map((r) => r.close()),
      ...idle.map((k) => k.shutdown().catch(() => {})),
    ]);
    this.live.clear();
    await Promise.all([...this.shuttingDown]);
    await this.server.catch(() => {});
    await this.local?.stop();
  }
}
