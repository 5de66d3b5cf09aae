import { describe, expect, it } from 'vitest';
import { NodeTable, nodeCount, nodeOf, unfinishedNodes } from './node-table.ts';
import { createRun } from './create.ts';
import { reduceAll } from './reduce.ts';
import { plan } from './plan.ts';
import type { RunEvent } from './schema/events.ts';
import type { AgentNode, RunState } from './schema/state.ts';

const node = (id: string, status: AgentNode['status'] = 'READY') => ({ id, status }) as AgentNode;
const block = (code: string) => '```repl\n' + code + '\n```';
const usage = { inputTokens: 10, outputTokens: 2, cachedTokens: 0, costUsd: 0.001, llmCalls: 1 };

function record(n: number, finishedEvery = 3): Record<string, AgentNode> {
  const out: Record<string, AgentNode> = {};
  for (let i = 0; i < n; i++) out[`a${i}`] = node(`a${i}`, i % finishedEvery === 0 ? 'FINISHED' : 'READY');
  return out;
}

describe('NodeTable', () => {
  it('keeps insertion order, finds every id and counts the unfinished, across trie levels', () => {
    for (const n of [0, 1, 31, 32, 33, 1024, 1025, 5001]) {
      const rec = record(n);
      const table = NodeTable.fromRecord(rec);
      expect(table.size).toBe(n);
      expect(table.ids()).toEqual(Object.keys(rec));
      expect(Object.keys(table.record())).toEqual(Object.keys(rec));
      expect(table.record()).toEqual(rec);
      for (const id of Object.keys(rec)) expect(table.get(id)).toBe(rec[id]);
      expect(table.get('missing')).toBeUndefined();
      expect(table.unfinished()).toEqual(Object.values(rec).filter((x) => x.status !== 'FINISHED'));
    }
  });

  it('is persistent: a change or an append leaves the older table as it was', () => {
    const t0 = NodeTable.fromRecord(record(100));
    const t1 = t0.with(new Map([['a1', node('a1', 'FINISHED')], ['b0', node('b0')]]));
    expect(t0.get('a1')!.status).toBe('READY');
    expect(t0.get('b0')).toBeUndefined();
    expect(t0.size).toBe(100);
    expect(t1.get('a1')!.status).toBe('FINISHED');
    expect(t1.ids().at(-1)).toBe('b0');
    expect(t1.unfinished().length).toBe(t0.unfinished().length); // one finished, one added
    // A fork of t0 appends its own agent; neither line sees the other's.
    const fork = t0.with(new Map([['x', node('x')]]));
    const later = t1.with(new Map([['b1', node('b1')]]));
    expect(fork.get('b0')).toBeUndefined();
    expect(fork.ids().slice(-1)).toEqual(['x']);
    expect(later.get('x')).toBeUndefined();
    expect(later.ids().slice(-2)).toEqual(['b0', 'b1']);
    expect(t1.get('b1')).toBeUndefined();
  });
});

/** A root that delegates `n` children, some of which finish. */
function run(n: number): RunState {
  const ids = Array.from({ length: n }, (_, i) => `root.c${i}`);
  let s = createRun('q', ['doc one', 'doc two'], { runId: 'table-test' });
  s = reduceAll(s, [
    { type: 'llm_replied', agentId: 'root', text: block('x'), usage },
    { type: 'cell_ran', agentId: 'root', resumed: false, calls: [], output: '', outputChars: 0, delegated: ids.map((id) => ({ id, name: id.slice(5), query: 'part', context: null })), outcome: { status: 'suspended', awaiting: ids } },
    { type: 'step_ended', durationMs: 1 },
  ]);
  const events: RunEvent[] = ids.filter((_, i) => i % 2 === 0).map((id) => ({ type: 'agent_failed', agentId: id, error: { kind: 'runtime_error', message: 'x' } }));
  return reduceAll(s, [...events, { type: 'step_ended', durationMs: 1 }]);
}

describe('reducer-made states', () => {
  it('read like plain frozen records: same keys, order, JSON and clone', () => {
    const s = run(40);
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.nodes)).toBe(true);
    expect(s.nodes).toBe(s.nodes); // built once per state
    expect(Object.keys(s.nodes)).toEqual(['root', ...Array.from({ length: 40 }, (_, i) => `root.c${i}`)]);
    const plain = JSON.parse(JSON.stringify(s)) as RunState;
    expect(Object.keys(plain)).toEqual(Object.keys(s));
    expect(structuredClone(s)).toEqual(plain);
    expect({ ...s }).toEqual(plain);
    // A child shares its parent's list context (one object, as immer's single draft gave).
    expect(s.nodes['root.c0']!.context).toBe(s.nodes.root!.context);
  });

  it('answer nodeOf, nodeCount and unfinishedNodes like the record, plain states too', () => {
    const s = run(40);
    const plain = JSON.parse(JSON.stringify(s)) as RunState;
    for (const state of [s, plain]) {
      expect(nodeCount(state)).toBe(41);
      expect(nodeOf(state, 'root.c3')).toEqual(plain.nodes['root.c3']);
      expect(nodeOf(state, 'nope')).toBeUndefined();
      expect(unfinishedNodes(state).map((x) => x.id)).toEqual(Object.values(plain.nodes).filter((x) => x.status !== 'FINISHED').map((x) => x.id));
    }
  });

  it('leaves the input state untouched and shares untouched agents', () => {
    const s = run(40);
    const json = JSON.stringify(s);
    const next = reduceAll(s, [{ type: 'agent_failed', agentId: 'root.c1', error: { kind: 'cancelled', message: 'stop' } }]);
    expect(JSON.stringify(s)).toBe(json);
    expect(next.nodes['root.c1']!.status).toBe('FINISHED');
    expect(s.nodes['root.c1']!.status).toBe('READY');
    expect(next.nodes['root.c3']).toBe(s.nodes['root.c3']);
    // Nothing changes: the same state comes back.
    expect(reduceAll(next, [{ type: 'agent_failed', agentId: 'root.c1', error: { kind: 'cancelled', message: 'again' } }])).toBe(next);
  });

  it('plans a wide wait by its busy children: no wake while one runs, a wake once all are done', () => {
    const s = run(100); // the root waits for 100 children, the odd ones still READY
    const fail = (ids: string[]): RunEvent[] => ids.map((id) => ({ type: 'agent_failed', agentId: id, error: { kind: 'cancelled', message: 'x' } }));
    const odd = Array.from({ length: 50 }, (_, i) => `root.c${2 * i + 1}`);
    expect(plan(s).filter((e) => e.kind === 'wake')).toEqual([]);
    const oneLeft = reduceAll(s, fail(odd.slice(0, -1)));
    expect(plan(oneLeft)).toEqual([{ kind: 'llm', agentId: 'root.c99' }]);
    expect(plan(reduceAll(oneLeft, fail(['root.c99'])))).toEqual([{ kind: 'wake', agentId: 'root' }]);
    // A plain copy of the state plans the same.
    expect(plan(JSON.parse(JSON.stringify(oneLeft)) as RunState)).toEqual(plan(oneLeft));
  });

  it('freezes what a step makes, deeply (the hand-built path of model replies and plain cells)', () => {
    const s = run(4);
    const call = { name: 'llm_query', args: { prompt: 'p' }, answer: { ok: true as const, value: { deep: ['x'] } }, usage };
    const next = reduceAll(s, [
      { type: 'llm_replied', agentId: 'root.c1', text: block('print(1)'), usage },
      { type: 'llm_replied', agentId: 'root.c3', text: block('done(1)'), usage },
      { type: 'step_ended', durationMs: 1 },
    ]);
    const after = reduceAll(next, [
      { type: 'cell_ran', agentId: 'root.c1', resumed: false, calls: [call], output: '1\n', outputChars: 2, delegated: [], outcome: { status: 'ok' } },
      { type: 'cell_ran', agentId: 'root.c3', resumed: false, calls: [], output: '', outputChars: 0, delegated: [], outcome: { status: 'done', result: { n: [1, 2] } } },
      { type: 'step_ended', durationMs: 1 },
    ]);
    const c1 = after.nodes['root.c1']!;
    const c3 = after.nodes['root.c3']!;
    expect(c1.status).toBe('READY');
    expect(c3.status).toBe('FINISHED');
    expect(c3.result).toEqual({ n: [1, 2] });
    const deepFrozen = (v: unknown): boolean => typeof v !== 'object' || v === null || (Object.isFrozen(v) && Object.values(v).every(deepFrozen));
    expect(deepFrozen(c1)).toBe(true);
    expect(deepFrozen(c3)).toBe(true);
    expect(Object.isFrozen(call.answer.value.deep)).toBe(true); // the event's objects, now part of the state
    expect(next.nodes['root.c1']!.cells).toHaveLength(0); // the earlier state is untouched
  });

  it('throws on a bad event without changing anything, and a plain state reduces the same', () => {
    const s = run(4);
    expect(() => reduceAll(s, [{ type: 'agent_failed', agentId: 'root.c1', error: { kind: 'cancelled', message: 'x' } }, { type: 'llm_replied', agentId: 'ghost', text: 'x', usage }])).toThrow(/no agent "ghost"/);
    expect(s.nodes['root.c1']!.status).toBe('READY');
    const events: RunEvent[] = [{ type: 'llm_replied', agentId: 'root.c1', text: block('print(1)'), usage }, { type: 'step_ended', durationMs: 2 }];
    const plain = Object.freeze(JSON.parse(JSON.stringify(s))) as RunState;
    expect(JSON.stringify(reduceAll(plain, events))).toBe(JSON.stringify(reduceAll(s, events)));
  });
});
