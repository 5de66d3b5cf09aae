/**
 * A folder of 500 files with one needle (rlmkit's example), through `rlmtree run --context <dir>`:
 * the answer names the file's path, read from `CONTEXT[i].path` / `PATHS` in the REPL; binary and
 * .gitignored files are skipped and reported on stderr.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrace } from '@rlmtree/core';
import { runCli } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'rlmtree-needle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const docs = join(dir, 'docs');
const NEEDLE = 'notes/team-17/minutes-342.txt';

function makeFolder(): void {
  const words = 'budget review schedule vendor meeting roadmap hiring quarterly draft summary'.split(' ');
  for (let i = 0; i < 500; i++) {
    const path = i === 342 ? NEEDLE : `notes/team-${i % 25}/minutes-${i}.txt`;
    const lines = Array.from({ length: 40 }, (_, k) => `${words[(i + k) % words.length]} item ${i}.${k}: discussed and deferred.`);
    if (i === 342) lines.splice(23, 0, 'Action: the vault access code is 7-4-2-1, rotate it monthly.');
    mkdirSync(join(docs, path, '..'), { recursive: true });
    writeFileSync(join(docs, path), lines.join('\n'));
  }
  writeFileSync(join(docs, '.gitignore'), 'build/\n');
  mkdirSync(join(docs, 'build'), { recursive: true });
  writeFileSync(join(docs, 'build', 'cache.txt'), 'the vault access code is 0-0-0-0 (stale cache)');
  writeFileSync(join(docs, 'logo.png'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]));
}

const repl = (code: string) => '```repl\n' + code + '\n```';

describe('folder contexts keep names', () => {
  it('500 files, one needle: the answer is the path of the file that holds it', async () => {
    makeFolder();
    const script = join(dir, 'needle.json');
    writeFileSync(
      script,
      JSON.stringify([
        repl('print(len(CONTEXT), len(PATHS), PATHS[:3])'),
        repl('hits = [(doc.path, line) for doc in CONTEXT for line in doc.splitlines() if "access code" in line]\nprint(hits)\npath, line = hits[0]\ndone({"path": path, "line": line})'),
      ]),
    );
    const trace = join(dir, 'needle.jsonl');
    const r = await runCli(['run', 'Which file holds the vault access code, and what is it?', '-c', docs, '-m', `scripted:${script}`, '--json', '--no-live', '--trace', trace]);
    expect(r.stderr).toContain('context: skipped 1 binary file: logo.png');
    expect(r.stderr).toContain('context: skipped 1 hidden or .gitignored path: build/');
    const out = JSON.parse(r.stdout) as { answer: { path: string; line: string } };
    expect(out.answer).toEqual({ path: NEEDLE, line: 'Action: the vault access code is 7-4-2-1, rotate it monthly.' });
    const { header } = await readTrace(trace);
    const root = header.initial.nodes.root!;
    expect(root.contextPaths).toHaveLength(500);
    expect(root.messages[0]!.content).toMatch(/The documents are files of a folder\. CONTEXT\[i\]\.path \(or PATHS\[i\]\)[\s\S]*0: notes\/team-0\/minutes-0\.txt/);
  });
});
