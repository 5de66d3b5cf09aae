import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.ts';

const dir = mkdtempSync(join(tmpdir(), 'rlmtree-atomic-'));
afterEach(() => {
  for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
});

it('replaces the file whole and leaves no temporary file', async () => {
  const file = join(dir, 'a.json');
  writeFileSync(file, 'old');
  await writeFileAtomic(file, 'new ✓');
  expect(readFileSync(file, 'utf8')).toBe('new ✓');
  expect(readdirSync(dir)).toEqual(['a.json']);
});

it('a failed write (the target is a folder) leaves the target as it was and no temporary file', async () => {
  const target = join(dir, 'is-a-folder');
  await writeFileAtomic(join(dir, 'keep.txt'), 'kept');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(target);
  await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
  expect(readdirSync(dir).sort()).toEqual(['is-a-folder', 'keep.txt']);
});
