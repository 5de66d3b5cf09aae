/**
 * The Pyodide runtime is written against the public kit alone (issue 11): `@rlmtree/core` for the
 * REPL machinery, and from `@rlmtree/runtime-python` only the prelude's Python (`preludeSources`).
 * Fails when a source file reaches into another runtime's package for anything else.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const SRC = import.meta.dirname;
const ALLOWED: Record<string, RegExp> = {
  '@rlmtree/core': /.*/,
  '@rlmtree/runtime-python': /^preludeSources$/,
};

it('imports from rlmtree packages only the public kit and the prelude sources', () => {
  const files = readdirSync(SRC).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  expect(files.length).toBeGreaterThan(2);
  const seen: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(SRC, file), 'utf8');
    for (const m of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(@rlmtree\/[^']+)'/g)) {
      const [, names, from] = m as unknown as [string, string, string];
      const allowed = ALLOWED[from];
      expect(allowed, `${file} imports from ${from}`).toBeDefined();
      for (const name of names.split(',').map((n) => n.trim().replace(/^type\s+/, '')).filter(Boolean)) {
        expect(name, `${file} imports ${name} from ${from}`).toMatch(allowed!);
        seen.push(`${from}:${name}`);
      }
    }
    expect(text, `${file} imports an rlmtree package another way`).not.toMatch(/from\s+'@rlmtree\/(?!core'|runtime-python')/);
  }
  expect(seen).toContain('@rlmtree/core:StartedProcess');
});
