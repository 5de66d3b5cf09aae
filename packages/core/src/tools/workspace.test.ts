import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workspaceTools } from './workspace.ts';

const root = mkdtempSync(join(tmpdir(), 'rlmtree-ws-'));
const ws = join(root, 'ws');
mkdirSync(join(ws, 'src'), { recursive: true });
writeFileSync(join(ws, 'src', 'a.py'), 'def f():\n    return 1\n# TODO: g\n');
writeFileSync(join(ws, 'README.md'), 'hello\nTODO: docs\n');
writeFileSync(join(root, 'secret.txt'), 'outside');
symlinkSync(join(root, 'secret.txt'), join(ws, 'escape.txt'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('workspace file tools', () => {
  it('list, read and grep inside the workspace; write only when enabled', async () => {
    const ro = workspaceTools(ws);
    expect(Object.keys(ro)).toEqual(['list_files', 'read_file', 'grep_files']);
    expect(await ro.list_files!.run([], {})).toEqual(['README.md', 'src/a.py']); // symbolic links are not listed
    expect(await ro.read_file!.run(['src/a.py'], { start_line: 2, end_line: 2 })).toBe('    return 1');
    expect(await ro.grep_files!.run(['TODO'], {})).toEqual(['README.md:2: TODO: docs', 'src/a.py:3: # TODO: g']);
    const rw = workspaceTools(ws, { write: true });
    expect(await rw.write_file!.run(['out/notes.md', 'done'], {})).toBe(4);
    expect(readFileSync(join(ws, 'out', 'notes.md'), 'utf8')).toBe('done');
  });

  it('refuses paths outside the workspace: .., absolute, and a symlink pointing out', async () => {
    const t = workspaceTools(ws, { write: true });
    await expect(t.read_file!.run(['../secret.txt'], {})).rejects.toThrow(/path "\.\.\/secret\.txt" is outside the workspace/);
    await expect(t.read_file!.run([join(root, 'secret.txt')], {})).rejects.toThrow(/is absolute; give a path relative to the workspace/);
    await expect(t.read_file!.run(['escape.txt'], {})).rejects.toThrow(/path "escape\.txt" is outside the workspace/);
    await expect(t.write_file!.run(['src/../../x.txt', 'no'], {})).rejects.toThrow(/outside the workspace/);
    await expect(t.list_files!.run(['..'], {})).rejects.toThrow(/outside the workspace/);
  });
});
