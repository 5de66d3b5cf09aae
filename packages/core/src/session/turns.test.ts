import { describe, expect, it } from 'vitest';
import { createRun } from '../create.ts';
import { InvalidEventError, reduce, reduceAll } from '../reduce.ts';
import { RunStateSchema } from '../schema/state.ts';
import { plan } from '../plan.ts';
import { zeroUsage } from '../llm/client.ts';
import { createSession } from './create.ts';
import { turnBindingCode } from './bind.ts';

const finishRoot = (text: string) => [
  { type: 'llm_replied' as const, agentId: 'root', text: '```repl\ndone(' + text + ')\n```', usage: zeroUsage() },
  { type: 'cell_ran' as const, agentId: 'root', resumed: false, calls: [], output: '', outputChars: 0, delegated: [], outcome: { status: 'done' as const, result: text } },
  { type: 'step_ended' as const, durationMs: 1 },
];

describe('turn_started', () => {
  it('opens a new turn on a finished session root: READY again, turn recorded, earlier messages kept', () => {
    const s0 = createSession('first', 'ctx0');
    expect(RunStateSchema.parse(s0)).toEqual(s0);
    const s1 = reduceAll(s0, finishRoot('"a"'));
    expect(s1.nodes.root!.turns![0]!.result).toBe('"a"');
    expect(plan(s1)).toEqual([]);
    const s2 = reduce(s1, { type: 'turn_started', agentId: 'root', query: 'second', context: null });
    const root = s2.nodes.root!;
    expect(root.status).toBe('READY');
    expect(root.iteration).toBe(0);
    expect(root.turns!.map((t) => [t.index, t.query, t.context, t.messageStart, t.cellStart])).toEqual([
      [0, 'first', 'ctx0', 1, 0],
      [1, 'second', 'ctx0', 3, 1],
    ]);
    expect(root.messages.slice(0, 3)).toEqual(s1.nodes.root!.messages);
    expect(root.messages[3]!.content).toMatch(/^Turn 1 of this session\. Query: second/);
    expect(plan(s2)).toEqual([{ kind: 'llm', agentId: 'root' }]);
    expect(s1.nodes.root!.status).toBe('FINISHED'); // the input state is untouched
    expect(root.messages[0]!.content).toContain('CONTEXTS[i]');
  });

  it('is refused on a run that is not a session, and on a root that has not finished', () => {
    const run = reduceAll(createRun('q', 'c'), finishRoot('1'));
    expect(() => reduce(run, { type: 'turn_started', agentId: 'root', query: 'x', context: null })).toThrow(/not a session/);
    expect(() => reduce(createSession('q', 'c'), { type: 'turn_started', agentId: 'root', query: 'x', context: null })).toThrow(InvalidEventError);
  });

  it('binding code carries the new input, the previous answer and the messages since', () => {
    const s = reduce(reduceAll(createSession('q', 'c0'), finishRoot('"a"')), { type: 'turn_started', agentId: 'root', query: 'x', context: 'c1 "quoted" \\ é' });
    const code = turnBindingCode(s.nodes.root!, 1);
    const literal = /loads\((".*")\)/.exec(code)![1]!;
    const payload = JSON.parse(JSON.parse(literal));
    expect(payload.context).toBe('c1 "quoted" \\ é');
    expect(payload.answer).toBe('"a"');
    expect(payload.history).toHaveLength(2);
    expect(turnBindingCode(s.nodes.root!, 0)).toContain('CONTEXTS = [CONTEXT]');
    expect(JSON.parse(JSON.parse(/loads\((".*")\)/.exec(turnBindingCode(s.nodes.root!, 0))![1]!)).history).toHaveLength(1);
    expect(() => turnBindingCode(s.nodes.root!, 2)).toThrow(RangeError);
  });

  it("binding code names the turn's context by the REPL's expression when it gives one, and carries it inline otherwise", () => {
    const s = reduce(reduceAll(createSession('q', 'c0'), finishRoot('"a"')), { type: 'turn_started', agentId: 'root', query: 'x', context: 'the big text' });
    const code = turnBindingCode(s.nodes.root!, 1, (c) => (c === 'the big text' ? '_from_file("k")' : undefined));
    expect(code).toContain('CONTEXTS.append(_from_file("k"))');
    expect(code).not.toContain('the big text');
    expect(JSON.parse(JSON.parse(/loads\((".*")\)/.exec(code)![1]!)).answer).toBe('"a"');
    expect(turnBindingCode(s.nodes.root!, 1, () => undefined)).toBe(turnBindingCode(s.nodes.root!, 1));
  });
});
