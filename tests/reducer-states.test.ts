/**
 * Old traces read to the same states, byte for byte (issue 18). The traces in
 * tests/fixtures/reducer-states/ were recorded, and the sha256 of `serializeState` of every state
 * replayed from them taken, with the immer reducer that copied the whole `nodes` record each step
 * (main at 836c4b8; `make.ts` there says how). The NodeTable reducer must fold them to states
 * that serialize to exactly the same bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTrace, replay, serializeState } from '@rlmtree/core';

const dir = new URL('./fixtures/reducer-states/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('hashes.json', dir), 'utf8')) as Record<string, string[]>;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('traces recorded with the immer reducer', () => {
  it('has fixtures', () => {
    expect(Object.keys(expected).length).toBeGreaterThan(5);
  });
  for (const [name, hashes] of Object.entries(expected)) {
    it(`${name}: every replayed state serializes as it did`, async () => {
      const states = replay(await readTrace(new URL(name, dir).pathname));
      expect(states.map((s) => sha(serializeState(s)))).toEqual(hashes);
    });
  }
});
