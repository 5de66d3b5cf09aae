/** The `rlmtree` command end to end: the main job on real text, and bad input. */
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topSpeaker } from './speakers.ts';
import { runCli } from './helpers/cli.ts';

const ROOT = join(import.meta.dirname, '..');
const CORPUS = join(ROOT, 'examples/data/tinyshakespeare.txt');
const POLICY = join(ROOT, 'examples/speakers/policy.mjs');
const QUERY = 'Which speaker has the most speeches in this text, and how many?';

const cli = (args: string[], input?: string) => runCli(args, input === undefined ? {} : { input });

describe('rlmtree run', () => {
  it('answers the main job over tinyshakespeare, matching an independent count', async () => {
    const expected = topSpeaker(await readFile(CORPUS, 'utf8'));
    const r = await cli(['run', QUERY, '--context', CORPUS, '--model', `scripted:${POLICY}`]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${expected.speaker} has the most speeches: ${expected.speeches}`);
    expect(r.stderr).toMatch(/SCRIPTED/);
    expect(r.stderr).toMatch(/root\.part_3/); // the progress view names the children
  });

  it('prints JSON with --json and reads the context from stdin', async () => {
    const r = await cli(['run', QUERY, '--context', '-', '--model', `scripted:${POLICY}`, '--json'], 'A:\nhi\n\nB:\nho\n\nA:\nyo\n');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.answer).toBe('A has the most speeches: 2');
    expect(out.agents).toBeGreaterThan(1); // the root and one child per part
    expect(out.usage.llmCalls).toBe(out.agents + 1); // the root speaks twice, each child once
  });

  it('ends with exit 3 and the structured reason when the run has no answer', async () => {
    const r = await cli(['run', QUERY, '--context', CORPUS, '--model', `scripted:${POLICY}`, '--max-iterations', '1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the run ended without an answer: iteration_limit/);
  });

  describe('bad input: one line naming the problem, non-zero exit, no stack', () => {
    const expectOneLine = (r: { code: number; stderr: string; stdout: string }, pattern: RegExp) => {
      expect(r.code).not.toBe(0);
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    };

    it('a missing context file', async () => {
      expectOneLine(await cli(['run', 'q', '--context', '/nonexistent/x.txt', '--model', `scripted:${POLICY}`]), /context \/nonexistent\/x\.txt: no such file/);
    });

    it('an unknown model spec', async () => {
      expectOneLine(await cli(['run', 'q', '--context', CORPUS, '--model', 'gpt5']), /model spec "gpt5" is not <provider>:<model>/);
      expectOneLine(await cli(['run', 'q', '--context', CORPUS, '--model', 'foo:bar']), /unknown model provider "foo"/);
    });

    it('a context that is not UTF-8', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'rlmtree-cli-'));
      await writeFile(join(dir, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
      expectOneLine(await cli(['run', 'q', '--context', join(dir, 'latin1.txt'), '--model', `scripted:${POLICY}`]), /latin1\.txt is not UTF-8 text/);
    });

    it('a malformed scripted file', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'rlmtree-cli-'));
      await writeFile(join(dir, 'bad.json'), '{"rules": [{"match": "x", "replies": "not a list"}]}');
      await writeFile(join(dir, 'broken.json'), '{"rules": [');
      expectOneLine(await cli(['run', 'q', '--context', CORPUS, '--model', `scripted:${join(dir, 'bad.json')}`]), /bad\.json: not a valid script at rules\.0\.replies/);
      expectOneLine(await cli(['run', 'q', '--context', CORPUS, '--model', `scripted:${join(dir, 'broken.json')}`]), /broken\.json: not valid JSON/);
    });

    it('a folder context becomes a list of documents', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'rlmtree-cli-'));
      await mkdir(join(dir, 'docs'));
      await writeFile(join(dir, 'docs', 'a.txt'), 'one');
      await writeFile(join(dir, 'docs', 'b.txt'), 'two');
      await writeFile(join(dir, 'p.json'), JSON.stringify(['```repl\ndone([type(CONTEXT).__name__, CONTEXT])\n```']));
      const r = await cli(['run', 'q', '--context', join(dir, 'docs'), '--model', `scripted:${join(dir, 'p.json')}`, '--json']);
      expect(JSON.parse(r.stdout).answer).toEqual(['list', ['one', 'two']]);
    });
  });
});
