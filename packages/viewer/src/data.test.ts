/**
 * The embedded deltas rebuild every state: for each step of a synthetic run (real reducer), the
 * page's Store gives the same agents as converting that state on its own, in any access order.
 */
import { describe, expect, it } from 'vitest';
import type { RunState } from '@rlmtree/core';
import { syntheticRun } from '../../../bench/viewer/synthetic-run.ts';
import { buildViewerData, jsonText, summarizeContext, type NodeRecord, type Str } from './data.ts';
import { KEYFRAME_EVERY, Store } from './page/store.ts';

/** A record with every string-table index replaced by its string (pools differ between builds). */
function resolved(n: NodeRecord, strings: readonly string[]): unknown {
  const s = (x: Str | null) => (typeof x === 'number' ? strings[x] : x);
  return {
    ...n,
    query: s(n.query),
    pendingCode: s(n.pendingCode),
    result: s(n.result),
    messages: n.messages.map(([r, c]) => [r, s(c)]),
    cells: n.cells.map((c) => ({ ...c, code: s(c.code), output: s(c.output), calls: c.calls.map((k) => ({ ...k, args: s(k.args), answer: s(k.answer) })) })),
  };
}

function alone(state: RunState): Record<string, unknown> {
  const d = buildViewerData([state]);
  return Object.fromEntries(d.initial.map((n) => [n.id, resolved(n, d.strings)]));
}

describe('viewer data', () => {
  const run = syntheticRun({ agents: 40, steps: 150, waves: 4 });
  const data = buildViewerData(run.states, { events: run.events });
  const store = new Store(data);

  it('has one delta per step, with the step durations from the events', () => {
    expect(data.steps).toHaveLength(run.states.length - 1);
    expect(data.steps.map((s) => s.durationMs)).toEqual(run.events.map((e) => Math.round((e.at(-1) as { durationMs: number }).durationMs)));
  });

  it('rebuilds every state, stepping forward, backward and jumping', () => {
    const order = [...run.states.keys(), ...[...run.states.keys()].reverse(), 0, run.states.length - 1, KEYFRAME_EVERY, KEYFRAME_EVERY - 1, 77, 3, 140];
    for (const i of order) {
      const nodes = store.at(i);
      const got = Object.fromEntries(Object.values(nodes).map((n) => [n.id, resolved(n, data.strings)]));
      expect(got, `state ${i}`).toEqual(alone(run.states[i]!));
    }
  });

  it('lists the agents each step changed', () => {
    for (let i = 1; i < run.states.length; i++) {
      const prev = run.states[i - 1]!.nodes;
      const next = run.states[i]!.nodes;
      const changed = Object.keys(next).filter((id) => prev[id] !== next[id]);
      expect([...store.changedAt(i)].sort()).toEqual(changed.sort());
    }
  });

  it('never embeds a context, only its size and first characters', () => {
    const big = 'x'.repeat(1_000_000);
    expect(summarizeContext(big)).toEqual({ chars: 1_000_000, docs: null, preview: 'x'.repeat(400) });
    expect(summarizeContext(['ab', 'cde'])).toEqual({ chars: 5, docs: 2, preview: 'ab' });
    expect(JSON.stringify(data).includes('corpus line\ncorpus line\n'.repeat(300))).toBe(false);
  });

  it('cuts long JSON to head and tail, keeping strings as they are', () => {
    expect(jsonText('plain')).toBe('plain');
    expect(jsonText({ a: 1 })).toBe('{"a":1}');
    const long = jsonText('y'.repeat(50_000));
    expect(long.length).toBeLessThan(21_000);
    expect(long).toContain('30000 characters cut');
  });

  it('rejects an empty list and states of different runs', () => {
    expect(() => buildViewerData([])).toThrow(/no states/);
    const other = { ...run.states[1]!, runId: 'another' };
    expect(() => buildViewerData([run.states[0]!, other])).toThrow(/state 1 is of run another/);
  });
});
