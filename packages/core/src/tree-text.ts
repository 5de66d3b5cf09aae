/** A text rendering of the agent tree, for terminals and logs. */
import type { AgentNode, RunState } from './schema/state.ts';
import { preview } from './util/truncate.ts';

/** One node's line: `root.part_0 [finished] iter 2 → "..."`. */
export function nodeLine(node: AgentNode, previewChars = 48): string {
  let line = `${node.id} [${node.status.toLowerCase()}] iter ${node.iteration}`;
  if (node.status === 'SUPERVISING' && node.awaiting.length) line += ` waiting for ${node.awaiting.length}`;
  if (node.status === 'FINISHED') {
    line += node.error ? ` ✗ ${node.error.kind}: ${preview(node.error.message, previewChars)}` : ` → ${preview(node.result, previewChars)}`;
  }
  return line;
}

/**
 * The tree as lines with box-drawing branches:
 * ```
 * root [supervising] iter 1 waiting for 2
 * ├── root.part_0 [finished] iter 1 → {"ROMEO": 3}
 * └── root.part_1 [executing] iter 1
 * ```
 * `maxChildren` caps the children listed per node (the rest summarised). Pure.
 */
export function renderTree(state: RunState, options: { previewChars?: number; maxChildren?: number } = {}): string {
  const lines: string[] = [];
  const maxChildren = options.maxChildren ?? Infinity;
  const walk = (id: string, prefix: string, childPrefix: string) => {
    const node = state.nodes[id];
    if (!node) return;
    lines.push(prefix + nodeLine(node, options.previewChars));
    const shown = node.children.slice(0, maxChildren);
    const hidden = node.children.length - shown.length;
    shown.forEach((cid, i) => {
      const last = i === shown.length - 1 && hidden === 0;
      walk(cid, childPrefix + (last ? '└── ' : '├── '), childPrefix + (last ? '    ' : '│   '));
    });
    if (hidden > 0) {
      const counts = new Map<string, number>();
      for (const cid of node.children.slice(maxChildren)) {
        const s = state.nodes[cid]?.status.toLowerCase() ?? '?';
        counts.set(s, (counts.get(s) ?? 0) + 1);
      }
      lines.push(`${childPrefix}└── … ${hidden} more (${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')})`);
    }
  };
  walk(state.rootId, '', '');
  return lines.join('\n');
}
