/**
 * The docker runtime: agents' REPLs run as `python3` with the prelude inside containers, spoken
 * to over `docker exec -i` / `docker run -i` stdin/stdout with the same JSON-lines protocol as
 * the subprocess runtime (`ProcessRepl`). For code you do not trust: see docs/docker-runtime.md
 * for the isolation defaults and what they stop.
 *
 * Default layout (`containerPer: 'runtime'`): one container per runtime, started once, and one
 * `docker exec` process per agent, with a small pool of started processes. bench/docker.bench.ts
 * measures it against a container per agent: a container start costs seconds (the vfs storage
 * driver copies the image), an exec about a tenth of a second.
 */
import { spawn } from 'node:child_process';
import { DELIVERY_BOUND_MS, ProcessReplSet, StartedProcess, WarmPool, type ContextPart, type ProcessControl, type Repl, type ReplOptions, type Runtime } from '@rlmtree/core';
import { dockerCli } from './docker-cli.ts';
import { containerName, explainStartFailure, SharedContainer } from './docker-container.ts';
import { CONTAINER_CONTEXT_DIR, isolationArgs, replCommand, resolveDockerOptions, type DockerRuntimeOptions, type ResolvedDockerOptions } from './docker-options.ts';
import { ContextFiles } from './context-files.ts';
import { ContextServers } from './context-servers.ts';
import { ForkServer } from './fork-server.ts';
import { snapshotsIn } from './snapshot.ts';
import { containerPlace, daemonIsLocal, SERVER_DIR, socketFolder, socketMountArgs } from './docker-fork-server.ts';
import { rmSync } from 'node:fs';

export { defaultDockerImage, type ContainerPer, type DockerMount, type DockerRuntimeOptions } from './docker-options.ts';

/** Runs each agent's REPL in a Docker container; isolation knobs in `DockerRuntimeOptions`. */
export class DockerRuntime implements Runtime {
  readonly name = 'docker';
  /** The options with every default filled in. */
  readonly options: ResolvedDockerOptions;
  private container: Promise<SharedContainer> | null = null;
  private readonly pool: WarmPool<StartedProcess>;
  private readonly repls: ProcessReplSet;
  private readonly removals = new Set<Promise<unknown>>();
  private closed = false;
  /** The host folder of the fork server's sockets (null: REPLs are exec'd). */
  private readonly sockets: { mount: string; remove: string } | null;
  /** Set when the fork server could not be reached: REPLs are exec'd from then on. */
  private forkOff = false;
  /** The fork server of the current shared container. */
  private forking: { container: SharedContainer; server: ForkServer; contexts: ContextServers } | null = null;
  /** Where big contexts go as files, in a host folder every container mounts read-only (absent: inline). */
  private readonly contextFiles: ContextFiles | undefined;

  /**
   * Starts the container (for `containerPer: 'runtime'`) and fills the pool in the background;
   * failures surface at `open()`.
   * @throws Error naming the option when an option is malformed.
   */
  constructor(options: DockerRuntimeOptions = {}) {
    const resolved = resolveDockerOptions(options);
    // The folder is made now: the shared container mounts it when it starts, before any context is written.
    this.contextFiles = resolved.contextFiles ? new ContextFiles({ visibleAs: CONTAINER_CONTEXT_DIR }) : undefined;
    this.options = this.contextFiles ? { ...resolved, mounts: [...resolved.mounts, { host: this.contextFiles.dir, container: CONTAINER_CONTEXT_DIR }] } : resolved;
    const o = this.options;
    const files = this.contextFiles;
    this.sockets = o.forkServer && o.containerPer === 'runtime' && daemonIsLocal() ? socketFolder() : null;
    this.repls = new ProcessReplSet(
      o.interruptGraceMs,
      snapshotsIn(
        this.sockets
          ? {
              hostDir: this.sockets.mount,
              serverDir: SERVER_DIR,
              hostPids: false,
              signal: (sig, pid) => this.forking?.container.signal(sig === 'SIGINT' ? 'INT' : 'KILL', pid),
              spawn: () => {
                throw new Error('not a server');
              },
              stop: () => {},
            }
          : undefined,
      ),
      files && ((context) => files.part(context)),
    );
    this.pool = new WarmPool({ size: this.sockets ? 0 : o.poolSize, start: () => this.startProcess(), usable: (proc) => !proc.dead });
  }

  /** The shared container, started again if it died (e.g. agent code killed its pid 1). */
  private shared(): Promise<SharedContainer> {
    const current = this.container;
    if (current) {
      return current.then(
        (c) => (c.dead ? this.restartShared() : c),
        () => this.restartShared(),
      );
    }
    return this.restartShared();
  }

  private restartShared(): Promise<SharedContainer> {
    if (this.closed) return Promise.reject(new Error('DockerRuntime: closed'));
    const next = SharedContainer.start(this.options, undefined, this.sockets ? socketMountArgs(this.sockets.mount) : []);
    next.catch(() => {});
    this.container = next;
    return next;
  }

  private async startInShared(): Promise<StartedProcess> {
    const container = await this.shared();
    const child = container.exec();
    let pid: number | undefined;
    const control: ProcessControl = {
      interrupt: () => void (pid && container.signal('INT', pid)),
      kill: () => {
        if (pid) container.signal('KILL', pid);
        child.kill('SIGKILL');
      },
    };
    // Whatever the REPL forked dies with it (a fork bomb must not keep the pids limit used up).
    child.once('exit', () => void (pid && container.signal('KILL', pid)));
    const proc = await StartedProcess.start(child, control).catch((err: Error) => {
      child.kill('SIGKILL');
      throw err;
    });
    if (!proc.pid) {
      control.kill();
      throw new Error(`DockerRuntime: the prelude in ${this.options.image} does not report its pid (an older image?); rebuild the image`);
    }
    pid = proc.pid;
    return proc;
  }

  private async startInOwnContainer(): Promise<StartedProcess> {
    const o = this.options;
    const name = containerName();
    const args = ['run', '-i', '--rm', '--name', name, '--label', 'rlmtree.runtime=docker', ...isolationArgs(o)];
    args.push('--entrypoint', 'python3', o.image, ...replCommand(o).slice(1));
    const child = spawn(o.docker, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true /* Ctrl-C reaches only the host (docs/cli.md) */ });
    const remove = () => {
      const p = dockerCli(o.docker, ['rm', '-f', name]).catch(() => {});
      this.removals.add(p);
      void p.finally(() => this.removals.delete(p));
    };
    const control: ProcessControl = {
      // Resolves once delivered: the grace period counts from then (a loaded machine starts the client slowly).
      interrupt: () => dockerCli(o.docker, ['kill', '--signal', 'INT', name], DELIVERY_BOUND_MS).catch(() => {}),
      kill: () => {
        remove();
        child.kill('SIGKILL');
      },
    };
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-4000)));
    return StartedProcess.start(child, control).catch((err: Error) => {
      control.kill();
      throw new Error(`DockerRuntime: ${explainStartFailure(o.image, stderr || err.message)}`);
    });
  }

  private startProcess(): Promise<StartedProcess> {
    return this.options.containerPer === 'agent' ? this.startInOwnContainer() : this.startInShared();
  }

  /**
   * Resolves once the container runs (for `containerPer: 'runtime'`) and the pool is full, so the
   * next `open()` does not wait for a start (the CLI waits for it before any model call, and serve
   * keeps runtimes that passed it warm for its callers).
   * @throws Error when the daemon cannot be reached, the image is missing or the prelude fails to load.
   */
  async ready(): Promise<void> {
    if (this.options.containerPer === 'runtime') await this.shared();
    await Promise.all(this.pool.pending);
  }

  /**
   * Starts (or takes from the pool) a REPL process in a container and binds it to the agent.
   * @throws Error when the daemon cannot be reached, the image is missing or the prelude fails to load.
   */
  async open(options: ReplOptions): Promise<Repl> {
    if (this.closed) throw new Error('DockerRuntime: open() after close()');
    if (this.sockets && !this.forkOff) {
      const part = this.repls.partOf(options.context);
      const forked = await this.forkInContainer(part);
      if (forked) return this.repls.bind(forked, options, true, part);
    }
    const proc = (await this.pool.take()) ?? (await this.startProcess());
    return this.repls.bind(proc, options, false);
  }

  /**
   * A REPL forked by the fork server in the shared container (started with the container, again
   * when the container was restarted); null when the server cannot be reached from here (a
   * daemon on another machine behind a docker context): the runtime then execs REPLs for good,
   * with one warning (code `RLMTREE_DOCKER_FORK`). A REPL over a big context file is forked from
   * that context's server (`ContextServers`), which holds the decoded context for all of them.
   */
  private async forkInContainer(part: ContextPart): Promise<StartedProcess | null> {
    const container = await this.shared();
    if (this.forking?.container !== container) {
      void this.forking?.server.close(0); // the container goes with it: no wait for a graceful exit
      const place = containerPlace(this.options, container, this.sockets!.mount, this.options.preImports);
      const server = new ForkServer('', {}, undefined, this.options.preImports, place);
      this.forking = { container, server, contexts: new ContextServers(server.where, () => server.fork()) };
    }
    try {
      return await (this.contextFiles ? this.forking.contexts.start(part) : this.forking.server.fork());
    } catch (err) {
      if (container.dead) throw new Error(`DockerRuntime: the container stopped: ${(err as Error).message}`);
      process.emitWarning(`DockerRuntime: the fork server in the container cannot be reached (${(err as Error).message}); REPLs are started with docker exec`, { code: 'RLMTREE_DOCKER_FORK' });
      void this.forking.server.close(0);
      this.forking = null;
      this.forkOff = true;
      return null;
    }
  }

  /** Closes every REPL, the pool's idle processes and the container(s). Never rejects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.repls.closeAll(this.pool);
    void this.forking?.server.close(0); // the container goes with it: no wait for a graceful exit
    this.forking = null;
    const container = this.container;
    this.container = null;
    await container?.then((c) => c.close(), () => {});
    await Promise.all([...this.removals]);
    if (this.sockets) rmSync(this.sockets.remove, { recursive: true, force: true });
    this.contextFiles?.close();
  }
}
