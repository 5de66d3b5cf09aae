import { describe, expect, it } from 'vitest';
import { createRun } from './create.ts';
import { reduceAll } from './reduce.ts';
import { ran, replied } from './testing/fixtures.ts';
import { renderTree } from './tree-text.ts';

describe('renderTree', () => {
  it('draws the tree with statuses, iterations and result previews', () => {
    const s = reduceAll(createRun('q', 'ctx', { runId: 'r' }), [
      replied('root', 'x'),
      ran('root', { status: 'suspended', awaiting: ['root.part_0', 'root.part_1'] }, {
        delegated: [
          { id: 'root.part_0', name: 'part_0', query: 'q', context: null },
          { id: 'root.part_1', name: 'part_1', query: 'q', context: null },
        ],
      }),
      replied('root.part_0', 'done("ok")'),
      ran('root.part_0', { status: 'done', result: 'ROMEO: 3' }),
    ]);
    expect(renderTree(s)).toBe(
      ['root [supervising] iter 1 waiting for 2', '├── root.part_0 [finished] iter 1 → "ROMEO: 3"', '└── root.part_1 [ready] iter 0'].join('\n'),
    );
    expect(renderTree(s, { maxChildren: 1 })).toContain('└── … 1 more (1 ready)');
  });
});
