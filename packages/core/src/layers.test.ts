/**
 * Imports inside core run one way (docs/architecture.md, "Layers"): a file may import its own
 * layer or lower ones, never a higher one. This walks every source file's relative imports.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = dirname(fileURLToPath(import.meta.url));

/** Layers from the bottom; a path belongs to the layer of the longest prefix it starts with. */
const LAYERS: [name: string, prefixes: string[]][] = [
  ['schemas', ['schema/', 'util/', 'integrity/', 'node-table.ts']],
  ['reducer/plan', ['reduce.ts', 'reduce-fold.ts', 'plan.ts', 'limits.ts', 'wait.ts', 'create.ts', 'control.ts', 'summary.ts', 'prompts/', 'tree-text.ts', 'session/', 'tools/']],
  ['interfaces', ['llm/', 'runtime/', 'result.ts', 'plugin.ts', 'session/compact.ts']],
  ['host calls', ['host-calls/']],
  ['engine', ['engine/']],
  ['trace', ['trace/']],
  ['front doors', ['rlm.ts', 'session/session.ts']],
  ['checkpoint', ['checkpoint/']],
  ['entry points', ['index.ts', 'testing/']],
];

function layerOf(path: string): number {
  let i = -1;
  let longest = 0;
  LAYERS.forEach(([, prefixes], layer) => {
    for (const p of prefixes) if (path.startsWith(p) && p.length > longest) [i, longest] = [layer, p.length];
  });
  if (i < 0) throw new Error(`${path} is in no layer: add it to LAYERS and to docs/architecture.md`);
  return i;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Relative specifiers of `import … from`, `export … from` and `import(…)`. */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
}

describe('core layering', () => {
  it('has no import from a lower layer to a higher one', () => {
    const backEdges: string[] = [];
    for (const file of sources(ROOT)) {
      const from = relative(ROOT, file);
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const to = relative(ROOT, resolve(dirname(file), spec));
        if (to.startsWith('..')) continue; // outside core's src (none today)
        if (layerOf(to) > layerOf(from)) backEdges.push(`${from} (${LAYERS[layerOf(from)]![0]}) imports ${to} (${LAYERS[layerOf(to)]![0]})`);
      }
    }
    expect(backEdges).toEqual([]);
  });

  it('sees the imports it checks (a back edge in a sample is found)', () => {
    expect(importsOf("import { x } from '../engine/engine.ts';\nexport * from './a.ts';\nconst m = await import('./b.ts');")).toEqual(['../engine/engine.ts', './a.ts', './b.ts']);
    expect(layerOf('trace/writer.ts')).toBeLessThan(layerOf('checkpoint/store.ts'));
    expect(layerOf('reduce.ts')).toBeLessThan(layerOf('llm/client.ts'));
  });
});
