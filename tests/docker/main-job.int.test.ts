/**
 * The main-job example, unchanged but for `--runtime docker`, gives the same answer as with the
 * default runtime; and the run goes on when hostile code kills an agent's REPL.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RLM, ScriptedLLM } from '@rlmtree/core';
import { DockerRuntime } from '@rlmtree/runtime-python';
import { topSpeaker } from '../speakers.ts';
import { needs, skipNote } from '../helpers/parts.ts';

const missing = needs('docker');
describe.skipIf(missing)(`main-job${skipNote(missing)}`, () => {
  const ROOT = join(import.meta.dirname, '../..');
  const BIN = join(ROOT, 'packages/cli/bin/rlmtree.js');
  const CORPUS = join(ROOT, 'examples/data/tinyshakespeare.txt');
  const POLICY = join(ROOT, 'examples/speakers/policy.mjs');
  const QUERY = 'Which speaker has the most speeches in this text, and how many?';
  const block = (code: string) => '```repl\n' + code + '\n```';

  describe('docker runtime end to end', () => {
    it('answers the main job with --runtime docker, the same as the subprocess runtime', async () => {
      const run = (runtime: string) => promisify(execFile)(process.execPath, [BIN, 'run', QUERY, '--context', CORPUS, '--model', `scripted:${POLICY}`, '--runtime', runtime], { cwd: ROOT, maxBuffer: 32 << 20 });
      const [docker, subprocess] = await Promise.all([run('docker'), run('subprocess')]);
      const expected = topSpeaker(await readFile(CORPUS, 'utf8'));
      expect(docker.stdout.trim()).toBe(`${expected.speaker} has the most speeches: ${expected.speeches}`);
      expect(docker.stdout).toBe(subprocess.stdout);
    });

    it('names the missing image in one line when --runtime docker=<image> does not exist', async () => {
      const image = `rlmtree-no-such-image:${process.pid}`;
      const r = await promisify(execFile)(process.execPath, [BIN, 'run', 'q', '--context', CORPUS, '--model', `scripted:${POLICY}`, '--runtime', `docker=${image}`], { cwd: ROOT }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(image);
      expect(r.stderr).toMatch(/not found/);
    });

    it('goes on after an agent allocates past the memory limit: the model sees the crash', async () => {
      const runtime = new DockerRuntime({ memory: '200m' });
      const seen: string[] = [];
      const llm = new ScriptedLLM((request, { turn }) => {
        seen.push(request.messages.at(-1)!.content);
        return turn === 0 ? block(`hog = []\nwhile True:\n    hog.append(b'x' * (16 << 20))`) : block('done("recovered after the crash")');
      });
      try {
        const { answer } = await new RLM({ llm, runtime }).run('allocate', 'ctx');
        expect(answer).toBe('recovered after the crash');
        expect(seen[1]).toMatch(/crash|killed|137/i);
      } finally {
        await runtime.close();
      }
    });
  });
});
