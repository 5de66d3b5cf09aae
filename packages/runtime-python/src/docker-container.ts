/**
 * One long-lived container hosting many REPLs (`containerPer: 'runtime'`): `docker run -i` of
 * `rlmtree_container_init.py` as pid 1, then one `docker exec -i` process per REPL. The attached
 * `docker run -i` client is kept: its stdin carries interrupt/kill requests to pid 1 (`docker
 * exec` forwards no signals), and when it closes, even because the host process was killed,
 * pid 1 exits and `--rm` removes the container, so no container outlives its host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dockerCli } from './docker-cli.ts';
import { isolationArgs, replCommand, type ResolvedDockerOptions } from './docker-options.ts';
import { pythonFile } from '@rlmtree/core';
import { nodeCrypto } from './builtins.ts';

const INIT_SOURCE = readFileSync(pythonFile('@rlmtree/runtime-python', 'rlmtree_container_init.py', import.meta.url), 'utf8');
const READY = 'rlmtree-container-ready';

/** A fresh container name: `rlmtree-<host pid>-<random hex>`. */
export function containerName(): string {
  return `rlmtree-${process.pid}-${nodeCrypto().randomBytes(4).toString('hex')}`;
}

/** Adds what a user can do about common `docker run` failures. */
export function explainStartFailure(image: string, stderr: string): string {
  const text = stderr
    .trim()
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith("Run 'docker"))
    .slice(-3)
    .join(' ');
  // A missing image makes docker try to pull it; with no registry that fails at the lookup.
  if (/Unable to find image|No such image|pull access denied|manifest unknown|registry|repository does not exist/i.test(text))
    return `image ${image} not found (${text}); build it: bash scripts/docker-image.sh (no registry) or docker build -t ${image} packages/runtime-python/docker`;
  if (/Cannot connect to the Docker daemon|error during connect|ENOENT/i.test(text))
    return `no Docker daemon answers (${text}); start dockerd or set DOCKER_HOST`;
  return text || 'docker run exited';
}

/** A running container whose pid 1 is the rlmtree container init. */
export class SharedContainer {
  /** Container name (also its `docker exec` target). */
  readonly name: string;
  private readonly run: ChildProcess;
  private readonly options: ResolvedDockerOptions;
  private exited = false;

  private constructor(name: string, run: ChildProcess, options: ResolvedDockerOptions) {
    this.name = name;
    this.run = run;
    this.options = options;
    run.on('exit', () => (this.exited = true));
    run.stdin!.on('error', () => {}); // EPIPE once the container is gone; seen through `dead`
  }

  /**
   * Starts the container and waits for pid 1 to say it is ready. `extraArgs`: more `docker run`
   * flags (the fork server's socket mount).
   * @throws Error naming the image and the daemon's complaint (image missing, no daemon, bad flag)
   *   when it does not start within `timeoutMs` (ms).
   */
  static start(options: ResolvedDockerOptions, timeoutMs = 120_000, extraArgs: readonly string[] = []): Promise<SharedContainer> {
    const name = containerName();
    const args = ['run', '-i', '--rm', '--name', name, '--label', 'rlmtree.runtime=docker', ...isolationArgs(options), ...extraArgs];
    args.push('--entrypoint', 'python3', options.image, '-s', '-B', '-u', '-c', INIT_SOURCE);
    const run = spawn(options.docker, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true /* Ctrl-C reaches only the host (docs/cli.md) */ });
    let stderr = '';
    run.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-4000)));
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        run.kill('SIGKILL');
        void dockerCli(options.docker, ['rm', '-f', name]).catch(() => {});
        reject(new Error(`DockerRuntime: cannot start a container from ${options.image}: ${why}`));
      };
      const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms; ${stderr.trim().slice(-300)}`), timeoutMs);
      const lines = createInterface({ input: run.stdout! });
      lines.once('line', (line) => {
        if (line.trim() !== READY) return fail(`unexpected first line ${JSON.stringify(line.slice(0, 200))}`);
        settled = true;
        clearTimeout(timer);
        resolve(new SharedContainer(name, run, options));
      });
      run.once('error', (err) => fail(err.message));
      run.once('exit', () => setTimeout(() => fail(explainStartFailure(options.image, stderr)), 20));
    });
  }

  /** True once the container has stopped. */
  get dead(): boolean {
    return this.exited;
  }

  /** Starts a REPL process in the container (`docker exec -i ... python3 <prelude>`). */
  exec(): ChildProcess {
    const o = this.options;
    const args = ['exec', '-i', '--user', o.user, '--workdir', o.workDir, this.name, ...replCommand(o)];
    return spawn(o.docker, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true /* Ctrl-C reaches only the host (docs/cli.md) */ });
  }

  /**
   * Asks pid 1 to signal a REPL: `INT` raises KeyboardInterrupt in its cell, `KILL` kills its
   * process group. `pid` is as seen inside the container. No-op once the container is gone.
   */
  signal(word: 'INT' | 'KILL', pid: number): void {
    if (!this.exited && this.run.stdin!.writable) this.run.stdin!.write(`${word} ${pid}\n`);
  }

  /** Stops and removes the container (and every REPL in it). Never rejects. */
  async close(): Promise<void> {
    this.run.stdin!.end();
    await dockerCli(this.options.docker, ['rm', '-f', this.name]).catch(() => {});
    if (!this.exited) this.run.kill('SIGKILL');
  }
}
