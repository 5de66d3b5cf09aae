/**
 * A `jupyter server` the runtime starts for itself: a free loopback port, a random token, and a
 * watchdog that stops the server when the host process goes away for any reason.
 *
 * The server runs under `sh`, which keeps a copy of its stdin (a pipe from this process) and
 * sends the server SIGTERM when that pipe reaches end of file: when `stop()` closes it, and also
 * when this process exits, is interrupted or is killed (the OS closes the pipe). On SIGTERM
 * jupyter-server shuts its kernels down before it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { serverInfo, type JupyterServerInfo } from './server-info.ts';
import { pythonFile } from '@rlmtree/core';

/** The server config we pass with `--config` (turns Nagle off on kernel websockets). */
export const SERVER_CONFIG_PATH: string = pythonFile('@rlmtree/runtime-jupyter', 'rlmtree_jupyter_server_config.py', import.meta.url);

// `"$@"` is the server command; fd 3 keeps our pipe for the watchdog (a background list's stdin
// is /dev/null otherwise).
const WATCHDOG = 'exec 3<&0; "$@" </dev/null & pid=$!; (cat <&3 >/dev/null; kill -TERM $pid 2>/dev/null) & wait $pid';

/** Options of a local server. */
export interface LocalServerOptions {
  /** The server command (default `$RLMTREE_JUPYTER_SERVER`, else `jupyter-server`). */
  command?: string;
  /** Directory the server (and so each kernel) starts in (default: the host's cwd). */
  cwd?: string;
  /** How long the server may take to answer (ms, default 60 000). */
  startTimeoutMs?: number;
  /** Extra command-line options for the server. */
  args?: readonly string[];
  /** Extra environment variables for the server and its kernels. */
  env?: Record<string, string>;
  /** Turn Nagle off on kernel websockets (`SERVER_CONFIG_PATH`; default true; false for benchmarks). */
  nodelay?: boolean;
}

/** A running local server. */
export class LocalJupyterServer {
  /** How to reach it. */
  readonly info: JupyterServerInfo;
  private readonly child: ChildProcess;
  private exited: Promise<void>;

  private constructor(info: JupyterServerInfo, child: ChildProcess, exited: Promise<void>) {
    this.info = info;
    this.child = child;
    this.exited = exited;
  }

  /**
   * Starts the server and waits until `/api/status` answers.
   * @throws Error naming the command when it cannot start, exits early (its last stderr lines
   *   are quoted) or does not answer within `startTimeoutMs`.
   */
  static async start(options: LocalServerOptions = {}): Promise<LocalJupyterServer> {
    const command = options.command ?? process.env.RLMTREE_JUPYTER_SERVER ?? 'jupyter-server';
    let lastError: Error | null = null;
    // A free port can be taken between our probe and the server's bind: try a few.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await LocalJupyterServer.startOnce(command, await freePort(), options);
      } catch (err) {
        lastError = err as Error;
        if (!/address already in use|Errno 98/i.test(lastError.message)) break;
      }
    }
    throw lastError!;
  }

  private static async startOnce(command: string, port: number, options: LocalServerOptions): Promise<LocalJupyterServer> {
    const token = randomBytes(24).toString('hex');
    const args = [
      '--no-browser',
      '--allow-root',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.root_dir=${options.cwd ?? process.cwd()}`,
      ...(options.nodelay === false ? [] : [`--config=${SERVER_CONFIG_PATH}`]),
      // Notice a dead kernel (os._exit, OOM kill) within half a second, not the default 3 s.
      '--KernelRestarter.time_to_dead=0.5',
      ...(options.args ?? []),
    ];
    const child = spawn('sh', ['-c', WATCHDOG, 'sh', command, ...args], {
      stdio: ['pipe', 'ignore', 'pipe'],
      cwd: options.cwd,
      // Its own process group: a Ctrl-C at the terminal reaches the host only, and the
      // watchdog then stops the server cleanly.
      detached: true,
      // The token goes by environment, not argv, so other users cannot read it from `ps`.
      // PYTHONHASHSEED=0: kernels iterate sets alike when a REPL is rebuilt from its record (as the
      // subprocess and docker runtimes do).
      env: { ...process.env, PYTHONHASHSEED: '0', ...options.env, JUPYTER_TOKEN: token },
    });
    let stderr = '';
    const onStderr = (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    };
    child.stderr!.on('data', onStderr);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let exitCode: number | null | undefined;
    child.once('exit', (code) => (exitCode = code));
    const info = serverInfo(`http://127.0.0.1:${port}/`, token);
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    for (;;) {
      if (exitCode !== undefined) {
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        throw new Error(`jupyter: ${command} exited (code ${exitCode}) before answering${tail ? `: ${tail}` : ''}`);
      }
      if (Date.now() > deadline) {
        child.stdin!.end();
        throw new Error(`jupyter: ${command} did not answer on port ${port} within ${options.startTimeoutMs ?? 60_000} ms`);
      }
      const ok = await fetch(`${info.baseUrl}api/status`, { headers: { Authorization: `token ${token}` } }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.stderr!.off('data', onStderr);
    child.stderr!.resume();
    // Do not keep the host alive for the server: when the host ends, the pipe closes and the
    // watchdog stops the server.
    child.unref();
    for (const stream of [child.stdin, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
    return new LocalJupyterServer(info, child, exited);
  }

  /** Stops the server (it shuts its kernels down first); resolves when it has exited. Never rejects. */
  async stop(): Promise<void> {
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A TCP port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
