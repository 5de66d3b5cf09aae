/** Starts `rlmtree serve` as a real process for the client tests: one per test file. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BIN, ROOT } from './cli.ts';

/** The scripted model the serve client tests use (see the file for its questions). */
export const SERVE_POLICY = join(ROOT, 'tests/fixtures/serve-policy.mjs');

/** A running `rlmtree serve`. */
export interface ServeProcess {
  /** Its base URL, ending in `/v1`. */
  baseURL: string;
  /** Everything it wrote to stderr so far (the listening line, request log lines). */
  stderr(): string;
  /** Request log lines so far for `path` (e.g. `/v1/chat/completions`). */
  logLines(path: string): string[];
  /**
   * Log lines for `path` once every earlier request is in the log: stderr arrives
   * asynchronously, so a sentinel request's own line marks the point.
   */
  settledLogLines(path: string): Promise<string[]>;
  /** Waits (bounded, 10 s) until the server runs `n` trees, as /health says. */
  runningTrees(n: number): Promise<void>;
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  child: ChildProcess;
}

/** Spawns `rlmtree serve --port 0 <args>` and resolves once it listens (rejects if it exits first). */
export async function startServeProcess(args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const baseURL = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)));
  });
  const origin = baseURL.replace(/\/v1$/, '');
  const logLines = (path: string) => stderr.split('\n').filter((l) => l.includes(` ${path} `));
  return {
    baseURL,
    child,
    stderr: () => stderr,
    logLines,
    settledLogLines: async (path) => {
      const sentinel = `/v1/sentinel-${crypto.randomUUID()}`;
      await fetch(`${origin}${sentinel}`);
      for (let i = 0; i < 100 && !stderr.includes(sentinel); i++) await new Promise((r) => setTimeout(r, 50));
      return logLines(path);
    },
    runningTrees: async (n) => {
      let failed: unknown;
      for (let i = 0; i < 100; i++) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`serve exited (${child.exitCode ?? child.signalCode}) while waiting for ${n} running trees:\n${stderr}`);
        // A poll whose connection fails is polled again (a pooled connection can be reset);
        // a server that died is reported above.
        const health = await fetch(`${origin}/health`).then((r) => r.json() as Promise<{ runs: { running: number } }>, (err: unknown) => void (failed = err));
        if (health?.runs.running === n) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the server did not reach ${n} running trees in 10 s`, { cause: failed });
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
