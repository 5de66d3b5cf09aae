import { describe, expect, it } from 'vitest';
import { createRun } from '../create.ts';
import type { BoundName } from '../schema/state.ts';
import { checkBound, RestoreDivergedError } from './fingerprint.ts';

const node = createRun('q', 'c').nodes.root!;
const b = (name: string, type: string, hash: string): BoundName => ({ name, type, hash, repr: `${name}…` });

describe('checkBound', () => {
  it('passes equal fingerprints and skips a side that reported none', () => {
    expect(() => checkBound(node, 2, [b('x', 'int', 'aa'), b('s', 'str', 'bb')], [b('s', 'str', 'bb'), b('x', 'int', 'aa')])).not.toThrow();
    expect(() => checkBound(node, 2, undefined, [b('x', 'int', 'aa')])).not.toThrow();
    expect(() => checkBound(node, 2, [b('x', 'int', 'aa')], undefined)).not.toThrow();
  });

  it('names the agent, cell and variable whose value, type or presence differs', () => {
    expect(() => checkBound(node, 3, [b('t', 'float', 'aa')], [b('t', 'float', 'cc')])).toThrow(/^restore diverged: agent root, cell 3, variable t: recorded float aa \(t…\), rebuilt float cc \(t…\)$/);
    expect(() => checkBound(node, 3, [b('t', 'float', 'aa')], [b('t', 'int', 'aa')])).toThrow(RestoreDivergedError);
    expect(() => checkBound(node, 3, [b('t', 'float', 'aa')], [])).toThrow(/variable t: recorded float aa \(t…\), rebuilt not bound/);
    expect(() => checkBound(node, 3, [], [b('pid', 'int', 'dd')])).toThrow(/variable pid: recorded not bound, rebuilt int dd/);
  });
});
