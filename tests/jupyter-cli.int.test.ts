/** The main-job example, unchanged except `--runtime jupyter`: the same answer from real Jupyter kernels. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { topSpeaker } from './speakers.ts';
import { needs, skipNote } from './helpers/parts.ts';

const missing = needs('jupyter');
describe.skipIf(missing)(`jupyter-cli${skipNote(missing)}`, () => {
  const ROOT = join(import.meta.dirname, '..');
  const CORPUS = join(ROOT, 'examples/data/tinyshakespeare.txt');

  it('rlmtree run --runtime jupyter answers the main job like the subprocess runtime', async () => {
    const expected = topSpeaker(await readFile(CORPUS, 'utf8'));
    const args = ['run', 'Which speaker has the most speeches in this text, and how many?', '--context', CORPUS, '--model', `scripted:${join(ROOT, 'examples/speakers/policy.mjs')}`];
    const exec = promisify(execFile);
    const bin = join(ROOT, 'packages/cli/bin/rlmtree.js');
    const [jupyter, subprocess] = await Promise.all([
      exec(process.execPath, [bin, ...args, '--runtime', 'jupyter'], { cwd: ROOT, maxBuffer: 32 << 20 }),
      exec(process.execPath, [bin, ...args, '--runtime', 'subprocess'], { cwd: ROOT, maxBuffer: 32 << 20 }),
    ]);
    expect(jupyter.stdout.trim()).toBe(`${expected.speaker} has the most speeches: ${expected.speeches}`);
    expect(jupyter.stdout).toBe(subprocess.stdout);
    expect(jupyter.stderr).toMatch(/root\.part_3 finished/);
  });
});
