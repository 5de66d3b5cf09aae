/**
 * A kernel started by the runtime itself, with no Jupyter server: its kernel spec's `argv` run
 * with a connection file of our own (ipc sockets in a private temp folder, a fresh HMAC key), as
 * `jupyter_client`'s KernelManager does. The host then speaks ZeroMQ to it (`zmq-channel.ts`), so
 * a cell is one hop instead of two (host → server → kernel). Interrupts follow the spec's
 * `interrupt_mode` (SIGINT by default, or an `interrupt_request` on control); shutdown is SIGKILL
 * of the kernel's process group.
 * Kernel spec lookup: https://jupyter-client.readthedocs.io/en/stable/kernels.html#kernel-specs
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadZmq, ZmqKernelChannel, type ZmqConnection } from './zmq-channel.ts';

/** A kernel spec as found on disk. */
export interface KernelSpec {
  /** The command; `{connection_file}` is replaced by the file's path. */
  argv: string[];
  /** `signal` (default) or `message`. */
  interrupt_mode?: 'signal' | 'message';
  /** Extra environment of the kernel. */
  env?: Record<string, string>;
}

/** Where kernel specs live, in the order Jupyter searches them ($JUPYTER_PATH first). */
function specDirs(): string[] {
  const extra = (process.env.JUPYTER_PATH ?? '').split(':').filter(Boolean);
  const data = process.env.JUPYTER_DATA_DIR ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'jupyter');
  return [...extra, data, '/usr/local/share/jupyter', '/usr/share/jupyter'].map((d) => join(d, 'kernels'));
}

/**
 * The kernel spec named `name` (e.g. `python3`).
 * @throws Error naming the folders searched when there is none, or when its kernel.json is unreadable.
 */
export function findKernelSpec(name: string): KernelSpec {
  const dirs = specDirs();
  for (const dir of dirs) {
    const file = join(dir, name, 'kernel.json');
    if (!existsSync(file)) continue;
    let spec: KernelSpec;
    try {
      spec = JSON.parse(readFileSync(file, 'utf8')) as KernelSpec;
    } catch (err) {
      throw new Error(`jupyter: the kernel spec ${file} is not JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(spec.argv) || spec.argv.length === 0) throw new Error(`jupyter: the kernel spec ${file} has no argv`);
    return spec;
  }
  throw new Error(`jupyter: no kernel spec named ${name} in ${dirs.join(', ')} (install ipykernel: scripts/ci/30-jupyter.sh)`);
}

/** A kernel process and its channels. */
export interface DirectKernel {
  channel: ZmqKernelChannel;
  /** Interrupts the running cell. */
  interrupt(): void;
  /** Stops the kernel (its process group) and removes its connection folder. Never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Starts a kernel of `spec` and waits until it answers on shell and iopub.
 * @param timeoutMs how long the kernel may take to answer (ms)
 * @throws Error naming the command when it cannot start, exits or does not answer in time (the
 *   process is stopped first), or when the optional `zeromq` package is not installed.
 */
export async function startDirectKernel(spec: KernelSpec, timeoutMs = 60_000): Promise<DirectKernel> {
  const z = await loadZmq();
  const dir = mkdtempSync(join(tmpdir(), 'rlmtree-kernel-'));
  const conn: ZmqConnection = {
    transport: 'ipc',
    ip: join(dir, 'k'),
    shell_port: 1,
    iopub_port: 2,
    stdin_port: 3,
    control_port: 4,
    hb_port: 5,
    key: randomBytes(32).toString('hex'),
    signature_scheme: 'hmac-sha256',
  };
  const file = join(dir, 'connection.json');
  writeFileSync(file, JSON.stringify(conn), { mode: 0o600 });
  const argv = spec.argv.map((a) => a.replaceAll('{connection_file}', file));
  // Its own process group, so a shutdown also ends what agent code started. JPY_PARENT_PID makes
  // ipykernel exit when this process dies (its parent poller), as under jupyter_client.
  // PYTHONHASHSEED=0: kernels iterate sets alike when a REPL is rebuilt (as the local server sets).
  const proc: ChildProcess = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PYTHONHASHSEED: '0', ...spec.env, JPY_PARENT_PID: String(process.pid) } });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  const channel = new ZmqKernelChannel(z, conn, `pid ${proc.pid ?? '?'}`);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    proc.once('exit', (code, signal) => {
      exited = true;
      channel.kernelDied(`the kernel died (its process exited with ${signal ?? code})`);
      resolve();
    });
    proc.once('error', (err) => {
      exited = true;
      channel.kernelDied(`the kernel could not start: ${err.message}`);
      resolve();
    });
  });
  const killGroup = () => {
    if (exited || proc.pid === undefined) return;
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      proc.kill('SIGKILL');
    }
  };
  let stopping: Promise<void> | null = null;
  // A kernel holds nothing worth a graceful exit (the record rebuilds it), so it is killed at
  // once, as jupyter_client's shutdown_kernel(now=True) does.
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      channel.close();
      killGroup();
      await exit;
      rmSync(dir, { recursive: true, force: true });
    })());
  try {
    await channel.ready(timeoutMs);
  } catch (err) {
    await shutdown();
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`jupyter: the kernel ${argv.join(' ')} did not start: ${(err as Error).message}${tail ? ` (stderr: ${tail})` : ''}`);
  }
  return {
    channel,
    interrupt: () => {
      if (spec.interrupt_mode === 'message') channel.sendControl('interrupt_request', {});
      else if (!exited) proc.kill('SIGINT');
    },
    shutdown,
  };
}
