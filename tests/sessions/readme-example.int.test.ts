/** The README's "Sessions" example is examples/sessions/three-turns.ts, and it runs as it says. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';

const EXAMPLE = join(ROOT, 'examples/sessions/three-turns.ts');

describe('README: Sessions', () => {
  it('shows the example file, and the example prints what its comments say', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Sessions'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    expect((await readFile(EXAMPLE, 'utf8')).includes(block)).toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, [EXAMPLE], { cwd: ROOT });
    expect(stdout.trim().split('\n')).toEqual(['9 | quick | quick is one of 9 words', '3 2', 'TurnCancelledError', '3']);
  });
});
