/**
 * The README's "Sessions" example is examples/sessions/three-turns.ts (tests/readme-examples.test.ts
 * runs the README block and checks what its comments say; this keeps the file the same text).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { examplesOf } from '../../scripts/lib/examples.ts';
import { ROOT } from '../helpers/cli.ts';

const EXAMPLE = join(ROOT, 'examples/sessions/three-turns.ts');

describe('README: Sessions', () => {
  it('shows the example file', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const sessionsLine = readme.slice(0, readme.indexOf('## Sessions')).split('\n').length;
    const block = examplesOf('README.md').find((e) => e.lang === 'ts' && e.line > sessionsLine);
    expect(block, 'the Sessions section has a `ts example` block').toBeDefined();
    expect(await readFile(EXAMPLE, 'utf8')).toContain(block!.code);
  });
});
