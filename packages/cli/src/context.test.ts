import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadContextFiles, skippedReport } from './context.ts';

const root = mkdtempSync(join(tmpdir(), 'rlmtree-context-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
function tree(name: string, files: Record<string, string | Uint8Array>): string {
  const dir = join(root, name);
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
  return dir;
}

describe('folder contexts', () => {
  it("keeps each document's relative path; skips and reports binary, hidden and .gitignored files", async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const dir = tree('repo', {
      '.gitignore': 'node_modules/\n*.log\n',
      'README.md': '# repo',
      'src/main.py': 'print(1)',
      'src/.gitignore': 'generated.py\n!keep.log\n',
      'src/generated.py': 'x = 2',
      'src/keep.log': 'kept by the nested rule',
      'debug.log': 'noise',
      'node_modules/dep/index.js': 'module.exports = 1',
      '.env': 'SECRET=1',
      'logo.png': png,
      'latin1.txt': Uint8Array.from([0x63, 0x61, 0x66, 0xe9]),
    });
    const loaded = await loadContextFiles(dir);
    expect(loaded.paths).toEqual(['README.md', 'src/keep.log', 'src/main.py']);
    expect(loaded.context).toEqual(['# repo', 'kept by the nested rule', 'print(1)']);
    expect(loaded.skipped.binary).toEqual(['latin1.txt', 'logo.png']);
    expect(loaded.skipped.ignored).toEqual(['.env', 'debug.log', 'node_modules/', 'src/generated.py']);
    expect(skippedReport(loaded.skipped, 2)).toEqual([
      'context: skipped 2 binary files: latin1.txt, logo.png',
      'context: skipped 4 hidden or .gitignored paths: .env, debug.log, … 2 more',
    ]);
  });

  it('stops a folder over the size cap with a message saying how to go on', async () => {
    const dir = tree('big', { 'a.txt': 'x'.repeat(3000), 'b.txt': 'y'.repeat(3000) });
    await expect(loadContextFiles(dir, { maxBytes: 4096 })).rejects.toThrow(/context folder .*big: its 2 files hold 0\.0 MB, over the cap of 0\.0 MB; point --context at a subfolder, add paths to a \.gitignore, or raise the cap with --max-context-mb 1/);
    await expect(loadContextFiles(tree('bin', { 'x.bin': Uint8Array.from([0, 1, 2]) }))).rejects.toThrow(/holds no text files: all 1 files are binary/);
  });
});
