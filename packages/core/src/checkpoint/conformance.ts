/**
 * The conformance suite every `CheckpointStore` passes (vitest): round trip, listing order,
 * concurrent writers to different runs, a missing run, a corrupted row. A new store calls
 * `describeCheckpointStoreConformance` from its own test file.
 */
import { describe, expect, it } from 'vitest';
import { produce } from 'immer';
import { createRun } from '../create.ts';
import type { RunState } from '../schema/state.ts';
import { CheckpointCorruptError, type CheckpointStore } from './store.ts';

/** A store under test, and how to damage one of its rows the way a bad disk or bug would. */
export interface StoreUnderTest {
  store: CheckpointStore;
  /** Overwrites the stored row of (runId, step) with bytes that are not a valid checkpoint. */
  corrupt(runId: string, step: number): Promise<void>;
}

/** A state of run `runId` at `step`, with a big shared context and a per-step change. */
function stateAt(runId: string, step: number, context: string): RunState {
  return produce(createRun('what is in the context?', context, { runId }), (d) => {
    d.step = step;
    d.elapsedMs = step * 1.5;
    d.nodes.root!.messages.push({ role: 'assistant', content: `reply at step ${step}` });
  });
}

/** Registers the suite for `name`; `make` gives a fresh, empty store for each test. */
export function describeCheckpointStoreConformance(name: string, make: () => Promise<StoreUnderTest>): void {
  const context = 'a long context line\n'.repeat(10_000); // 200,000 chars: stored as a blob

  describe(`CheckpointStore conformance: ${name}`, () => {
    it('round-trips states deep-equal and frozen, latest by default', async () => {
      const { store } = await make();
      const a = stateAt('run-a', 3, context);
      const b = stateAt('run-a', 7, context);
      await store.put(a);
      await store.put(b);
      expect(await store.get('run-a', 3)).toEqual(a);
      expect(await store.get('run-a')).toEqual(b);
      expect(Object.isFrozen((await store.get('run-a'))!.nodes.root)).toBe(true);
      await store.put(produce(b, (d) => void (d.elapsedMs = 99))); // same step: replaced
      expect((await store.get('run-a', 7))!.elapsedMs).toBe(99);
      await store.close();
    });

    it('lists steps in ascending numeric order and runs sorted', async () => {
      const { store } = await make();
      for (const step of [10, 2, 100, 0, 33]) await store.put(stateAt('run-b', step, context));
      await store.put(stateAt('run-a', 1, context));
      expect(await store.list('run-b')).toEqual([0, 2, 10, 33, 100]);
      expect(await store.runs()).toEqual(['run-a', 'run-b']);
      await store.delete('run-b', 10);
      expect(await store.list('run-b')).toEqual([0, 2, 33, 100]);
      await store.delete('run-b');
      expect(await store.list('run-b')).toEqual([]);
      expect(await store.runs()).toEqual(['run-a']);
      await store.close();
    });

    it('keeps concurrent writers to different runs apart', async () => {
      const { store } = await make();
      const runs = ['r/1', 'r.2', '../r3', 'r 4'];
      await Promise.all(runs.flatMap((r) => [1, 2, 3, 4, 5].map((s) => store.put(stateAt(r, s, `${context}${r}`)))));
      for (const r of runs) {
        expect(await store.list(r)).toEqual([1, 2, 3, 4, 5]);
        const got = (await store.get(r, 4))!;
        expect(got.runId).toBe(r);
        expect(got.nodes.root!.context).toBe(`${context}${r}`);
      }
      expect(await store.runs()).toEqual([...runs].sort());
      await store.close();
    });

    it('answers a missing run or step with nothing', async () => {
      const { store } = await make();
      expect(await store.get('nope')).toBeUndefined();
      expect(await store.get('nope', 3)).toBeUndefined();
      expect(await store.list('nope')).toEqual([]);
      await store.put(stateAt('run-a', 1, context));
      expect(await store.get('run-a', 2)).toBeUndefined();
      await expect(store.delete('nope')).resolves.toBeUndefined();
      await store.close();
    });

    it('reports a corrupted row naming the run and step, and other rows still load', async () => {
      const { store, corrupt } = await make();
      const good = stateAt('run-c', 1, context);
      await store.put(good);
      await store.put(stateAt('run-c', 2, context));
      await corrupt('run-c', 2);
      await expect(store.get('run-c', 2)).rejects.toThrow(CheckpointCorruptError);
      await expect(store.get('run-c', 2)).rejects.toThrow(/run "run-c" step 2/);
      expect(await store.get('run-c', 1)).toEqual(good);
      await store.close();
    });
  });
}
