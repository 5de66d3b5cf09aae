/** The main job (`npm run demo`'s question over Tiny Shakespeare) answered with `--runtime pyodide`. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { topSpeaker } from './speakers.ts';
import { ROOT, runCli } from './helpers/cli.ts';

const CORPUS = join(ROOT, 'examples/data/tinyshakespeare.txt');
const POLICY = join(ROOT, 'examples/speakers/policy.mjs');

it('answers the main job on the pyodide runtime, matching an independent count', async () => {
  const expected = topSpeaker(await readFile(CORPUS, 'utf8'));
  const r = await runCli(['run', 'Which speaker has the most speeches in this text, and how many?', '--context', CORPUS, '--model', `scripted:${POLICY}`, '--runtime', 'pyodide', '--json']);
  expect(r.stderr).not.toMatch(/rlmtree: /);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.answer).toBe(`${expected.speaker} has the most speeches: ${expected.speeches}`);
  expect(out.agents).toBeGreaterThan(1); // the root delegated to children, each in its own Pyodide REPL
}, 300_000);
