import { describe, expect, it } from 'vitest';
import { createRun } from './create.ts';
import { isFinished, plan } from './plan.ts';
import { reduceAll } from './reduce.ts';
import { ran, replied } from './testing/fixtures.ts';

describe('plan', () => {
  const s0 = createRun('q', 'ctx', { runId: 'r' });
  const supervising = reduceAll(s0, [
    replied('root', 'x'),
    ran('root', { status: 'suspended', awaiting: ['root.a', 'root.b'] }, {
      delegated: [
        { id: 'root.b', name: 'b', query: 'q', context: null },
        { id: 'root.a', name: 'a', query: 'q', context: null },
      ],
    }),
  ]);

  it('plans a model call for READY, a cell for EXECUTING', () => {
    expect(plan(s0)).toEqual([{ kind: 'llm', agentId: 'root' }]);
    expect(plan(reduceAll(s0, [replied('root', 'x')]))).toEqual([{ kind: 'exec', agentId: 'root' }]);
  });

  it('advances the children of a SUPERVISING agent, in agent-id order, and not the agent itself', () => {
    expect(plan(supervising)).toEqual([
      { kind: 'llm', agentId: 'root.a' },
      { kind: 'llm', agentId: 'root.b' },
    ]);
  });

  it('resumes only once every awaited child has finished', () => {
    const oneDone = reduceAll(supervising, [replied('root.a', 'done(1)'), ran('root.a', { status: 'done', result: 1 })]);
    expect(plan(oneDone)).toEqual([{ kind: 'llm', agentId: 'root.b' }]);
    const both = reduceAll(oneDone, [replied('root.b', 'done(2)'), ran('root.b', { status: 'done', result: 2 })]);
    expect(plan(both)).toEqual([{ kind: 'wake', agentId: 'root' }]);
  });

  it('plans nothing once the root has finished, and is pure', () => {
    const done = reduceAll(s0, [replied('root', 'done(1)'), ran('root', { status: 'done', result: 1 })]);
    expect(isFinished(done)).toBe(true);
    expect(plan(done)).toEqual([]);
    const copy = structuredClone(supervising);
    plan(supervising);
    expect(supervising).toEqual(copy);
  });
});
