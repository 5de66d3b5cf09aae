/**
 * Rebuilds the agents at any step from the embedded data: a keyframe (a shallow copy of the
 * agent map) every `KEYFRAME_EVERY` steps, built once at load, plus the deltas since it. Moving
 * one step from the last step shown applies one delta; a jump applies at most
 * `KEYFRAME_EVERY - 1`. Agent records are never mutated, so keyframes share them.
 */
import type { NodePatch, NodeRecord, Str, TailPatch, ViewerData } from '../data.ts';

/** Steps between keyframes: memory (agents x steps / K map entries) against jump cost (< K deltas). */
export const KEYFRAME_EVERY = 32;

/** Agents by id. */
export type Nodes = Readonly<Record<string, NodeRecord>>;

/** Random access to the run's agents at any step index (0 = the first state). */
export class Store {
  readonly data: ViewerData;
  /** Number of states (steps + 1). */
  readonly count: number;
  private readonly keyframes: Nodes[] = [];
  private last: { index: number; nodes: Nodes };

  constructor(data: ViewerData) {
    this.data = data;
    this.count = data.steps.length + 1;
    const nodes: Record<string, NodeRecord> = {};
    for (const n of data.initial) nodes[n.id] = n;
    this.keyframes.push({ ...nodes });
    for (let i = 0; i < data.steps.length; i++) {
      applyStep(nodes, data.steps[i]!.patches);
      if ((i + 1) % KEYFRAME_EVERY === 0) this.keyframes.push({ ...nodes });
    }
    this.last = { index: 0, nodes: this.keyframes[0]! };
  }

  /** The string a `Str` stands for. */
  str(s: Str): string;
  str(s: Str | null): string | null;
  str(s: Str | null): string | null {
    return typeof s === 'number' ? (this.data.strings[s] ?? '') : s;
  }

  /** The agents at state `index` (clamped to 0..count-1). */
  at(index: number): Nodes {
    const target = Math.max(0, Math.min(this.count - 1, Math.trunc(index)));
    const base = Math.floor(target / KEYFRAME_EVERY) * KEYFRAME_EVERY;
    let from = this.last.index <= target && this.last.index >= base ? this.last : { index: base, nodes: this.keyframes[base / KEYFRAME_EVERY]! };
    if (from.index !== target) {
      const nodes: Record<string, NodeRecord> = { ...from.nodes };
      for (let i = from.index; i < target; i++) applyStep(nodes, this.data.steps[i]!.patches);
      from = { index: target, nodes };
    }
    this.last = from;
    return from.nodes;
  }

  /** Ids of the agents the step into state `index` changed (empty for state 0). */
  changedAt(index: number): Set<string> {
    const step = this.data.steps[index - 1];
    return new Set(step ? step.patches.map((p) => p.id) : []);
  }
}

function applyStep(nodes: Record<string, NodeRecord>, patches: readonly NodePatch[]): void {
  for (const p of patches) {
    if (p.x) {
      delete nodes[p.id];
      continue;
    }
    if (p.n) {
      nodes[p.id] = p.n;
      continue;
    }
    const old = nodes[p.id];
    if (!old) continue;
    const n: NodeRecord = { ...old, ...p.s };
    if (p.m) n.messages = spliceTail(old.messages, p.m);
    if (p.c) n.cells = spliceTail(old.cells, p.c);
    if (p.ch) n.children = spliceTail(old.children, p.ch);
    nodes[p.id] = n;
  }
}

function spliceTail<T>(list: readonly T[], [from, items]: TailPatch<T>): T[] {
  return list.slice(0, from).concat(items);
}
