/**
 * Runs the prelude's own Python unit tests (python/tests, standard library unittest) with the
 * same python3 the subprocess runtime uses, so `npm test` runs them too.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const TESTS = fileURLToPath(new URL('../python/tests', import.meta.url));

describe('the prelude’s Python unit tests', () => {
  it('pass under python3 -m unittest', async () => {
    const python = process.env.RLMTREE_PYTHON ?? 'python3';
    const run = await promisify(execFile)(python, ['-X', 'utf8', '-m', 'unittest', 'discover', '-s', TESTS, '-v'], { encoding: 'utf8' }).then(
      (r) => ({ code: 0, out: r.stderr }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code ?? 1, out: err.stderr ?? String(err) }),
    );
    // unittest reports on stderr; show it whole when something failed.
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/^OK$/m);
    expect(Number(/^Ran (\d+) tests?/m.exec(run.out)?.[1])).toBeGreaterThanOrEqual(20);
  });
});
