/**
 * The real parts some suites need (Docker, Jupyter, Chromium, tmux, PostgreSQL…), detected once
 * per test process with bounded checks, so `npm test` passes on a machine with only Node and
 * python3: a suite whose part is missing is skipped with a one-line named reason. CI sets
 * `RLMTREE_REQUIRE_REAL=1` (in .ci/run), which turns every such skip into a failure, so CI runs
 * every suite for real. Every suite that needs a real part uses this module (docs/testing.md):
 *
 *   const missing = needs('docker');
 *   describe.skipIf(missing)(`docker runtime${skipNote(missing)}`, () => { ... });
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findPostgresBin } from '@rlmtree/postgres/testing';

/** A real part a suite can need. */
export type Part = 'python3' | 'jupyter' | 'docker' | 'chromium' | 'tmux' | 'postgres';

/** No check may hang a test run when a part is missing or broken (ms). */
const CHECK_TIMEOUT_MS = 15_000;

/** Runs `cmd args` bounded; returns undefined when it exits 0, else a short reason. */
function runs(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: CHECK_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} is not installed` : `${cmd}: ${r.error.message}`;
  if (r.status !== 0) return `${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? `exit ${r.status}`}`;
  return undefined;
}

/** The Docker image the docker runtime uses by default (as `defaultDockerImage()`). */
const dockerImage = () => process.env.RLMTREE_DOCKER_IMAGE ?? 'rlmtree-python:latest';

const CHECKS: Record<Part, () => string | undefined> = {
  python3: () => runs(process.env.RLMTREE_PYTHON ?? 'python3', ['-c', 'import json, socket']),
  jupyter: () =>
    runs(process.env.RLMTREE_JUPYTER_SERVER ?? 'jupyter-server', ['--version']) ??
    (runs('/usr/bin/python3', ['-c', 'import ipykernel']) && 'ipykernel is not installed for /usr/bin/python3') ??
    undefined,
  docker: () => {
    const daemon = runs('docker', ['version', '--format', '{{.Server.Version}}']);
    if (daemon) return daemon.endsWith('not installed') ? daemon : `no Docker daemon answers${process.env.DOCKER_HOST ? ` at DOCKER_HOST=${process.env.DOCKER_HOST}` : ''} (${daemon})`;
    return runs('docker', ['image', 'inspect', dockerImage()]) && `the image ${dockerImage()} is not built (bash scripts/docker-image.sh)`;
  },
  chromium: () => {
    const path = process.env.RLMTREE_CHROMIUM ?? '/usr/bin/chromium';
    return existsSync(path) ? runs(path, ['--headless', '--no-sandbox', '--version']) : `${path} is not installed`;
  },
  tmux: () => runs('tmux', ['-V']),
  postgres: () => (findPostgresBin() ? undefined : "PostgreSQL's server programs are not installed (or set PG_BIN)"),
};

/** How .ci/run installs each part. */
const INSTALLED_BY: Record<Part, string> = {
  python3: 'scripts/ci/20-python.sh',
  jupyter: 'scripts/ci/30-jupyter.sh',
  docker: 'scripts/ci/40-docker.sh',
  chromium: 'scripts/ci/50-chromium.sh',
  tmux: 'scripts/ci/50-chromium.sh',
  postgres: 'scripts/ci/60-postgres.sh',
};

const seen = new Map<Part, string | undefined>();

/** Why `part` is missing here (cached per process), or undefined when it is there. */
export function partMissing(part: Part): string | undefined {
  if (!seen.has(part)) seen.set(part, CHECKS[part]());
  return seen.get(part);
}

/**
 * Why a suite needing `parts` cannot run here (`<part>: <reason>`, the first missing one), or
 * undefined when all are there. A missing part prints one line naming the suite and the reason.
 * @throws Error when one is missing and RLMTREE_REQUIRE_REAL=1 (CI): the test file fails.
 */
export function needs(...parts: Part[]): string | undefined {
  for (const part of parts) {
    const why = partMissing(part);
    if (why === undefined) continue;
    const reason = `needs ${part}: ${why} (${INSTALLED_BY[part]} installs it)`;
    if (process.env.RLMTREE_REQUIRE_REAL === '1') throw new Error(`RLMTREE_REQUIRE_REAL=1 but this suite ${reason}`);
    console.warn(`skipped: ${reason}`);
    return reason;
  }
  return undefined;
}

/** ` (skipped: <reason>)` for a suite's title, or '' when nothing is missing. */
export const skipNote = (missing: string | undefined): string => (missing ? ` (skipped: ${missing})` : '');
