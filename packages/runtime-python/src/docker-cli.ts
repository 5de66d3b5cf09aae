/** Runs the docker CLI (which honours `DOCKER_HOST`, `DOCKER_CONTEXT` and TLS settings). */
import { execFile } from 'node:child_process';

/**
 * Runs `docker <args>` and resolves with its trimmed stdout.
 * @param docker the CLI binary
 * @param timeoutMs kills the CLI after this long (ms)
 * @throws Error `docker <first arg>: <stderr>` when it exits non-zero, times out or cannot start
 *   (e.g. "docker: not found": install the Docker CLI or set the `docker` option).
 */
export function dockerCli(docker: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(docker, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout.trim());
      const why = stderr.trim() || err.message;
      reject(new Error(`${docker} ${args[0]}: ${why.split('\n').slice(-3).join(' ')}`));
    });
  });
}
