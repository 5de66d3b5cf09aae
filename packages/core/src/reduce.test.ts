import { describe, expect, it } from 'vitest';
import { createRun } from './create.ts';
import { plan } from './plan.ts';
import { InvalidEventError, newAgent, reduce, reduceAll } from './reduce.ts';
import { PROMPTS_V2 } from './prompts/v2.ts';
import { specFor } from './prompts/config.ts';
import { promptSetFor } from './prompts/versions.ts';
import type { RunEvent } from './schema/events.ts';
import { RunStateSchema, type RunState } from './schema/state.ts';
import { ran, replied } from './testing/fixtures.ts';

const start = () => createRun('How many lines?', 'a\nb\nc', { runId: 'r1', limits: { maxIterations: 3, maxDepth: 1 } });

/** root delegates two children and suspends waiting for them. */
const delegating: RunEvent[] = [
  replied('root', 'h = [delegate("p0", "count", context="a"), delegate("p1", "count", context="b")]\nr = yield wait(*h)\ndone(sum(r))'),
  { type: 'step_ended', durationMs: 1 },
  ran('root', { status: 'suspended', awaiting: ['root.p0', 'root.p1'] }, {
    calls: [
      { name: 'delegate', args: { name: 'p0', query: 'count', contextChars: 1 }, answer: { ok: true, value: 'root.p0' } },
      { name: 'delegate', args: { name: 'p1', query: 'count', contextChars: 1 }, answer: { ok: true, value: 'root.p1' } },
    ],
    delegated: [
      { id: 'root.p0', name: 'p0', query: 'count', context: 'a' },
      { id: 'root.p1', name: 'p1', query: 'count', context: null },
    ],
  }),
  { type: 'step_ended', durationMs: 1 },
];

describe('reduce', () => {
  it('never changes its input and returns frozen states', () => {
    const s0 = start();
    const snapshot = structuredClone(s0);
    const s1 = reduce(s0, replied('root', 'print(1)'));
    expect(s0).toEqual(snapshot);
    expect(Object.isFrozen(s1)).toBe(true);
    expect(Object.isFrozen(s1.nodes.root!.messages)).toBe(true);
    expect(s1).not.toBe(s0);
  });

  it('gives equal states for equal events (deterministic) and valid states (schema)', () => {
    const a = reduceAll(start(), delegating);
    const b = delegating.reduce(reduce, start());
    expect(a).toEqual(b);
    expect(() => RunStateSchema.parse(a)).not.toThrow();
  });

  it('shares untouched agents between consecutive states', () => {
    const s = reduceAll(start(), delegating);
    const next = reduce(s, replied('root.p0', 'print(1)'));
    expect(next.nodes['root.p1']).toBe(s.nodes['root.p1']);
    expect(next.nodes['root.p0']).not.toBe(s.nodes['root.p0']);
  });

  it('READY -> EXECUTING on a reply with code, dropping text after the block', () => {
    const s = reduce(start(), replied('root', 'print(len(CONTEXT))', '\nOutput: 5 (invented)'));
    const root = s.nodes.root!;
    expect(root.status).toBe('EXECUTING');
    expect(root.pendingCode).toBe('print(len(CONTEXT))');
    expect(root.iteration).toBe(1);
    expect(root.messages.at(-1)!.content).not.toContain('invented');
    expect(root.usage.llmCalls).toBe(1);
  });

  it('a reply with no code block is told so, counts as an iteration, stays READY', () => {
    const s = reduce(start(), replied('root', null));
    const root = s.nodes.root!;
    expect(root.status).toBe('READY');
    expect(root.iteration).toBe(1);
    expect(root.messages.at(-1)).toEqual({ role: 'user', content: PROMPTS_V2.noCode({}) });
  });

  it('EXECUTING -> READY after a cell, with its output shown to the model', () => {
    const s = reduceAll(start(), [replied('root', 'print(3)'), ran('root', { status: 'ok' }, { output: '3\n', outputChars: 2 })]);
    const root = s.nodes.root!;
    expect(root.status).toBe('READY');
    expect(root.cells).toHaveLength(1);
    expect(root.cells[0]).toMatchObject({ index: 0, code: 'print(3)', status: 'ok', output: '3\n' });
    expect(root.messages.at(-1)!.content).toContain('Output of cell 0');
    expect(root.messages.at(-1)!.content).toContain('3\n');
  });

  it('keeps rich displays (images) on the cell, out of the prompt', () => {
    const png = { mime: 'image/png', data: 'iVBORw0KGgo=' };
    const s = reduceAll(start(), [replied('root', 'plot()'), ran('root', { status: 'ok' }, { output: '<Figure>\n', outputChars: 9, displays: [png] })]);
    expect(s.nodes.root!.cells[0]!.displays).toEqual([png]);
    expect(s.nodes.root!.messages.at(-1)!.content).not.toContain(png.data);
  });

  it('shows a raised exception to the model', () => {
    const s = reduceAll(start(), [
      replied('root', 'x = 1/0'),
      ran('root', { status: 'error', error: { type: 'ZeroDivisionError', message: 'division by zero', traceback: 'Traceback ...\nZeroDivisionError: division by zero' } }),
    ]);
    expect(s.nodes.root!.cells[0]!.error!.type).toBe('ZeroDivisionError');
    expect(s.nodes.root!.messages.at(-1)!.content).toContain('ZeroDivisionError: division by zero');
  });

  it('EXECUTING -> SUPERVISING on suspension; children are created READY; the wait is recorded pending', () => {
    const s = reduceAll(start(), delegating);
    const root = s.nodes.root!;
    expect(root.status).toBe('SUPERVISING');
    expect(root.awaiting).toEqual(['root.p0', 'root.p1']);
    expect(root.children).toEqual(['root.p0', 'root.p1']);
    expect(root.cells[0]!.calls.at(-1)).toEqual({ name: 'wait', args: { handles: ['root.p0', 'root.p1'] }, answer: null });
    expect(s.nodes['root.p0']).toMatchObject({ status: 'READY', depth: 1, context: 'a', parentId: 'root' });
    expect(s.nodes['root.p1']!.context).toBe('a\nb\nc'); // inherits the parent's
    expect(s.step).toBe(2);
  });

  it('resumes a SUPERVISING agent with its children results and finishes on done', () => {
    let s = reduceAll(start(), delegating);
    s = reduceAll(s, [
      replied('root.p0', 'done(1)'),
      replied('root.p1', 'done(2)'),
      ran('root.p0', { status: 'done', result: 1 }),
      ran('root.p1', { status: 'done', result: 2 }),
    ]);
    expect(plan(s)).toEqual([{ kind: 'wake', agentId: 'root' }]);
    s = reduce(s, ran('root', { status: 'done', result: 3 }, { resumed: true, output: 'resumed\n', outputChars: 8 }));
    const root = s.nodes.root!;
    expect(root).toMatchObject({ status: 'FINISHED', result: 3, error: null, awaiting: [] });
    expect(root.cells).toHaveLength(1);
    expect(root.cells[0]!.status).toBe('done');
    expect(root.cells[0]!.calls.at(-1)!.answer).toEqual({ ok: true, value: [{ ok: true, value: 1 }, { ok: true, value: 2 }] });
  });

  it('finishes an agent at the iteration limit with a structured reason', () => {
    let s = start();
    for (let i = 0; i < 3; i++) s = reduceAll(s, [replied('root', 'x = 1'), ran('root', { status: 'ok' })]);
    expect(s.nodes.root!.status).toBe('FINISHED');
    expect(s.nodes.root!.error).toMatchObject({ kind: 'iteration_limit' });
    expect(s.nodes.root!.result).toBeNull();
  });

  it('ends unfinished descendants when an agent finishes', () => {
    const s = reduce(reduceAll(start(), delegating), { type: 'intervened', action: 'cancel', agentId: 'root', message: 'stop' });
    expect(s.nodes.root!.error).toEqual({ kind: 'cancelled', message: 'stop' });
    expect(s.nodes['root.p0']!.error!.kind).toBe('parent_finished');
  });

  it('a failed child gives its parent a structured failure, not a fake answer', () => {
    let s = reduceAll(start(), delegating);
    s = reduceAll(s, [
      { type: 'llm_failed', agentId: 'root.p0', message: 'openai: 429 rate limited' },
      { type: 'intervened', action: 'set_result', agentId: 'root.p1', result: 5 },
    ]);
    s = reduce(s, ran('root', { status: 'ok' }, { resumed: true }));
    expect(s.nodes.root!.cells[0]!.calls.at(-1)!.answer).toEqual({
      ok: true,
      value: [{ ok: false, error: { kind: 'llm_error', message: 'openai: 429 rate limited' } }, { ok: true, value: 5 }],
    });
  });

  it('rejects events that do not fit the state, naming the agent', () => {
    expect(() => reduce(start(), ran('root', { status: 'ok' }))).toThrow(InvalidEventError);
    expect(() => reduce(start(), replied('nobody', 'x'))).toThrow(/no agent "nobody"/);
    expect(() => reduce(start(), ran('root', { status: 'ok' }, { resumed: true }))).toThrow(/root is READY/);
  });

  it('children delegated in one fold get the limits in force when each was delegated (set_limits between them)', () => {
    // The system prompt of siblings is made once and reused while its inputs are the same
    // objects: a limit set between two delegations in the same fold must not reuse the old one.
    const s = reduceAll(reduceAll(start(), delegating), [replied('root.p0', 'x'), replied('root.p1', 'y')]);
    const child = (parent: string) => ran(parent, { status: 'suspended', awaiting: [`${parent}.a`] }, { delegated: [{ id: `${parent}.a`, name: 'a', query: 'q', context: 'z' }] });
    const out = reduceAll(s, [child('root.p0'), { type: 'intervened', action: 'set_limits', agentId: 'root', limits: { maxDepth: 3 } }, child('root.p1')]);
    const system = (id: string) => out.nodes[id]!.messages[0]!.content;
    const fresh = (id: string, limits: RunState['limits']) => newAgent({ id, name: 'a', parentId: 'p', depth: 2, query: 'q', context: out.nodes[id]!.context, limits, tools: [], prompt: out.prompt }).messages[0]!.content;
    expect(system('root.p0.a')).toBe(fresh('root.p0.a', s.limits));
    expect(system('root.p1.a')).toBe(fresh('root.p1.a', out.limits));
    expect(system('root.p1.a')).not.toBe(system('root.p0.a'));
  });

  it('siblings whose str contexts have one length share one system prompt, the one each would get built alone', () => {
    for (const prompt of [undefined, { template: 'Depth {{depth}}. Input: {{context}}.\n{{builtin}}' }]) {
      const s0 = createRun('q', 'a\nb\nc', { runId: 'r1', limits: { maxIterations: 3, maxDepth: 2 }, ...(prompt ? { prompt } : {}) });
      const contexts = ['aaaa', 'bbbb', 'cccccc', 'dddd'];
      const delegated = contexts.map((context, i) => ({ id: `root.c${i}`, name: `c${i}`, query: 'count', context }));
      const out = reduceAll(s0, [replied('root', 'h = [delegate(...)]\nr = yield wait(*h)'), ran('root', { status: 'suspended', awaiting: delegated.map((d) => d.id) }, { delegated })]);
      const system = (i: number) => out.nodes[`root.c${i}`]!.messages[0]!.content;
      // Built without the reducer's memo: the prompt set itself, for each child's own context.
      const alone = (i: number) => promptSetFor(out.prompt).system({ depth: 1, limits: out.limits, context: contexts[i]!, tools: out.tools }, specFor(out.prompt, 1));
      contexts.forEach((_, i) => expect(system(i)).toBe(alone(i)));
      expect(system(1)).toBe(system(0));
      expect(system(2)).not.toBe(system(0));
    }
  });

  it('sets limits and injects messages through interventions', () => {
    const s = reduceAll(start(), [
      { type: 'intervened', action: 'set_limits', agentId: 'root', limits: { maxIterations: 9 } },
      { type: 'intervened', action: 'inject_message', agentId: 'root', message: { role: 'user', content: 'hint' } },
    ]);
    expect(s.limits.maxIterations).toBe(9);
    expect(s.nodes.root!.messages.at(-1)!.content).toBe('hint');
  });

  it('a step without between-steps events records the pending ones, in the state key order, and freezes what it returns', () => {
    const pending = reduce(start(), { type: 'intervened', action: 'inject_message', agentId: 'root', message: { role: 'user', content: 'hint' } });
    expect(pending.pending).toHaveLength(1);
    const stepped = reduceAll(pending, [replied('root', 'print(1)'), { type: 'step_ended', durationMs: 2.5 }]);
    expect(stepped.pending).toBeUndefined();
    expect(Object.keys(stepped)).toEqual(Object.keys(pending).filter((k) => k !== 'pending'));
    expect([stepped.step, stepped.elapsedMs]).toEqual([pending.step + 1, pending.elapsedMs + 2.5]);
    expect(stepped.limits).toBe(pending.limits);
    // A state built by hand with unfrozen fields: what comes out is frozen all the way down, as immer left it.
    const byHand = structuredClone(start());
    const next = reduceAll(byHand, [replied('root', 'print(1)'), { type: 'step_ended', durationMs: 1 }]);
    expect([Object.isFrozen(next.limits), Object.isFrozen(next.tools), Object.isFrozen(next.prompt)]).toEqual([true, true, true]);
    expect(reduceAll(stepped, [])).toBe(stepped);
  });

  it('agent_failed ends the agent and its subtree', () => {
    const s = reduce(reduceAll(start(), delegating), { type: 'agent_failed', agentId: 'root', error: { kind: 'token_limit', message: 'over' } });
    expect(Object.values(s.nodes).every((n: RunState['nodes'][string]) => n.status === 'FINISHED')).toBe(true);
  });
});
