/** `replKey` names a REPL state by content: a fork (new run id) shares it, any record change does not. */
import { produce } from 'immer';
import { describe, expect, it } from 'vitest';
import { createRun } from '../create.ts';
import type { Cell, RunState } from '../schema/state.ts';
import { ReplSnapshots, replKey, replKeys } from './snapshots.ts';

const cell = (code: string, status: Cell['status'] = 'ok'): Cell => ({ index: 0, code, calls: [], output: '', outputChars: 0, status, error: null });
const withCells = (state: RunState, cells: Cell[]) =>
  produce(state, (d) => {
    d.nodes[d.rootId]!.cells = cells;
  });

describe('replKey', () => {
  const base = withCells(createRun('q', 'the context'), [cell('x = 1')]);
  const key = (s: RunState) => replKey(s, s.nodes[s.rootId]!, -1);

  it('is the same for a fork of the state (another run id) and for an equal record read back', () => {
    const fork = produce(base, (d) => {
      d.runId = 'other';
      d.step = 9;
    });
    expect(key(fork)).toBe(key(base));
    expect(key(JSON.parse(JSON.stringify(base)) as RunState)).toBe(key(base));
  });

  it('differs when a cell, the context or the REPL setup differs', () => {
    const k = key(base);
    expect(key(withCells(base, [cell('x = 2')]))).not.toBe(k);
    expect(key(withCells(base, [cell('x = 1'), cell('y = 1')]))).not.toBe(k);
    expect(key(produce(base, (d) => void (d.nodes[d.rootId]!.context = 'another context')))).not.toBe(k);
    expect(key(produce(base, (d) => void (d.limits.maxOutputChars = 7)))).not.toBe(k);
  });

  it('is null after a cell that timed out (a live REPL kept part of it; a rebuild would not)', () => {
    const timedOut = withCells(base, [cell('x = 1'), cell('while True: pass', 'timeout')]);
    expect(key(timedOut)).toBeNull();
    expect(replKeys(timedOut, timedOut.nodes[timedOut.rootId]!)).toEqual([]);
  });
});

describe('ReplSnapshots', () => {
  it('refuses a negative bound, naming it', () => {
    expect(() => new ReplSnapshots({ keepPerAgent: -1 })).toThrow(/keepPerAgent must be a number >= 0/);
  });
});
