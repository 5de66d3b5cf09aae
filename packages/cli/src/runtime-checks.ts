/**
 * What the built-in runtimes need on this machine, checked before a runtime is made (and so
 * before any model call): python3, a Docker daemon and image. Each check is bounded in time and
 * throws a one-line CliError naming what is missing and where.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CliError } from './errors.ts';

const exec = promisify(execFile);
/** Bounded: a daemon that does not answer must not hang the command (ms). */
const CHECK_TIMEOUT_MS = 15_000;
const firstLine = (err: unknown) =>
  String((err as { stderr?: string }).stderr || (err as Error).message)
    .trim()
    .split('\n')[0];

/** @throws CliError when `python` (default `$RLMTREE_PYTHON` or python3) does not run. */
export async function checkPython(python = process.env.RLMTREE_PYTHON ?? 'python3'): Promise<void> {
  await exec(python, ['--version'], { timeout: CHECK_TIMEOUT_MS }).catch((err) => {
    throw new CliError(`runtime subprocess needs ${python} on PATH (${firstLine(err)})`);
  });
}

/** @throws CliError when no Docker daemon answers, or `image` is not on it. */
export async function checkDocker(image: string): Promise<void> {
  const where = process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : 'the default socket';
  await exec('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: CHECK_TIMEOUT_MS }).catch((err) => {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the docker command is not installed' : (err as { killed?: boolean }).killed ? `no answer in ${CHECK_TIMEOUT_MS / 1000} s` : firstLine(err);
    throw new CliError(`runtime docker: no Docker daemon answers at ${where} (${why})`);
  });
  await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { timeout: CHECK_TIMEOUT_MS }).catch(() => {
    throw new CliError(`runtime docker: image ${image} not found; build it (bash scripts/docker-image.sh, or packages/runtime-python/docker/Dockerfile) or name one with --runtime docker=<image>`);
  });
}

/** @throws CliError when `$name` is set and is not an http(s) URL. */
export function checkBaseUrl(name: string): void {
  const value = process.env[name];
  if (value === undefined || value === '') return;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol)) throw new CliError(`${name}=${value} is not an http(s) URL (e.g. http://localhost:8000/v1)`);
}
