import { describe, expect, it } from 'vitest';
import { createRun } from '../create.ts';
import { zeroUsage } from '../llm/client.ts';
import { plan } from '../plan.ts';
import { InvalidEventError, reduceAll } from '../reduce.ts';
import type { RunEvent, CellRan, AskSpec } from '../schema/events.ts';
import type { RunState } from '../schema/state.ts';
import { waitResults } from '../wait.ts';
import { parseTaskHandle, taskFinished } from './tasks.ts';

const code = (agentId: string): RunEvent => ({ type: 'llm_replied', agentId, text: '```repl\nx\n```', usage: zeroUsage() });
const ran = (agentId: string, outcome: CellRan['outcome'], extra: Partial<CellRan> = {}): RunEvent => ({ type: 'cell_ran', agentId, resumed: false, calls: [], output: '', outputChars: 0, delegated: [], outcome, ...extra });
const ask = (agentId: string, turn: number, query: string): AskSpec => ({ agentId, handle: `${agentId}#${turn}`, query, context: null });
const step: RunEvent = { type: 'step_ended', durationMs: 1 };

/** root delegated root.w and waits for it; root.w has not started. */
function delegated(): RunState {
  return reduceAll(createRun('q', 'ctx'), [
    code('root'),
    ran('root', { status: 'suspended', awaiting: ['root.w'] }, { delegated: [{ id: 'root.w', name: 'w', query: 'task 0', context: null, instructions: 'Answer in French.' }] }),
    step,
  ]);
}

describe('persistent sub-agents (state side)', () => {
  it('a finished child asked again runs the new task as its next turn; wait on the task handle gets that task’s result', () => {
    let s = delegated();
    expect(s.nodes['root.w']!.messages[0]!.content).toContain('Instructions from the agent that delegated to you:\nAnswer in French.');
    s = reduceAll(s, [code('root.w'), ran('root.w', { status: 'done', result: 1 }), step]);
    expect(waitResults(s, s.nodes.root!)).toEqual([{ ok: true, value: 1 }]);
    // The root resumes, asks root.w for task 1 and waits for it.
    s = reduceAll(s, [{ ...(ran('root', { status: 'suspended', awaiting: ['root.w#1'] }, { asked: [ask('root.w', 1, 'task 1')] }) as CellRan), resumed: true }, step]);
    const w = s.nodes['root.w']!;
    expect(w.status).toBe('READY');
    expect(w.turns!.map((t) => [t.query, t.status, t.result])).toEqual([['task 0', 'finished', 1], ['task 1', 'running', null]]);
    expect(w.messages.at(-1)!.content).toMatch(/^Turn 1 of this session\. Query: task 1/);
    expect(taskFinished(s, 'root.w#1')).toBe(false);
    expect(taskFinished(s, 'root.w')).toBe(true);
    expect(plan(s)).toEqual([{ kind: 'llm', agentId: 'root.w' }]);
    s = reduceAll(s, [code('root.w'), ran('root.w', { status: 'done', result: 2 }), step]);
    expect(plan(s)).toEqual([{ kind: 'wake', agentId: 'root' }]);
    expect(waitResults(s, s.nodes.root!)).toEqual([{ ok: true, value: 2 }]);
  });

  it('tasks given to a busy child queue in order and start one after another', () => {
    // root goes on (no wait) while root.w works on task 0, and asks it for two more.
    let s = reduceAll(createRun('q', 'ctx'), [
      code('root'),
      ran('root', { status: 'ok' }, { delegated: [{ id: 'root.w', name: 'w', query: 'task 0', context: null }] }),
      step,
      code('root'),
      code('root.w'),
      ran('root', { status: 'suspended', awaiting: ['root.w#2', 'root.w#1'] }, { asked: [ask('root.w', 1, 'task 1'), ask('root.w', 2, 'task 2')] }),
      step,
    ]);
    const w = s.nodes['root.w']!;
    expect(w.turns!.map((t) => t.status)).toEqual(['running', 'queued', 'queued']);
    s = reduceAll(s, [ran('root.w', { status: 'done', result: 'a' }), step]);
    expect(s.nodes['root.w']!.turns!.map((t) => t.status)).toEqual(['finished', 'running', 'queued']);
    expect(s.nodes['root.w']!.status).toBe('READY');
    s = reduceAll(s, [code('root.w'), ran('root.w', { status: 'done', result: 'b' }), step, code('root.w'), ran('root.w', { status: 'done', result: 'c' }), step]);
    expect(s.nodes['root.w']!.status).toBe('FINISHED');
    expect(waitResults(s, s.nodes.root!)).toEqual([{ ok: true, value: 'c' }, { ok: true, value: 'b' }]);
  });

  it('a parent that finishes drops its children’s queued tasks with parent_finished; asking a non-child is refused', () => {
    let s = reduceAll(createRun('q', 'ctx'), [
      code('root'),
      ran('root', { status: 'ok' }, { delegated: [{ id: 'root.w', name: 'w', query: 'task 0', context: null }] }),
      step,
      code('root'),
      ran('root', { status: 'ok' }, { asked: [ask('root.w', 1, 'task 1')] }),
      step,
    ]);
    s = reduceAll(s, [code('root'), ran('root', { status: 'done', result: 'end' }), step]);
    expect(s.nodes['root.w']!.turns!.map((t) => [t.status, t.error?.kind])).toEqual([
      ['finished', 'parent_finished'],
      ['finished', 'parent_finished'],
    ]);
    expect(() => reduceAll(delegated(), [code('root.w'), ran('root.w', { status: 'ok' }, { asked: [ask('root', 1, 'x')] })])).toThrow(InvalidEventError);
    expect(parseTaskHandle('root.a_b#12')).toEqual({ agentId: 'root.a_b', turn: 12 });
  });
});
