import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { produce } from 'immer';
import { createRun } from '../create.ts';
import { describeCheckpointStoreConformance } from './conformance.ts';
import { FileCheckpointStore } from './file-store.ts';
import { MemoryCheckpointStore } from './memory-store.ts';
import { SqliteCheckpointStore } from './sqlite-store.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'rlmtree-ckpt-'));

describeCheckpointStoreConformance('memory', async () => {
  const store = new MemoryCheckpointStore();
  return { store, corrupt: async (r, s) => void store.rows.get(r)!.set(s, '{"format":"rlmtree.checkpoint","version":1,"state":{"json":{"step":"two"}}}') };
});

describeCheckpointStoreConformance('file', async () => {
  const store = new FileCheckpointStore(tmp());
  return { store, corrupt: async (r, s) => writeFileSync(store.pathOf(r, s), '{"format":"rlmtree.checkpoint","ver') };
});

describeCheckpointStoreConformance('sqlite', async () => {
  const store = await SqliteCheckpointStore.open(join(tmp(), 'ckpt.db'));
  return { store, corrupt: async (r, s) => void store.db.prepare('UPDATE checkpoints SET doc = ? WHERE run_id = ? AND step = ?').run('not json', r, s) };
});

describe('checkpoint stores', () => {
  it('store a big context once however many checkpoints use it (sqlite)', async () => {
    const store = await SqliteCheckpointStore.open(join(tmp(), 'big.db'));
    const base = createRun('q', 'x'.repeat(1_000_000), { runId: 'big' });
    for (let step = 0; step < 50; step++) await store.put(produce(base, (d) => void (d.step = step)));
    const { n, chars } = store.db.prepare('SELECT count(*) AS n, sum(length(text)) AS chars FROM blobs').get() as { n: number; chars: number };
    expect(n).toBe(1);
    expect(chars).toBe(1_000_002); // JSON-encoded: two quotes
    expect(await store.list('big')).toHaveLength(50);
    await store.close();
  });

  it('names the field of a state that fails the schema', async () => {
    const store = new MemoryCheckpointStore();
    await store.put(createRun('q', 'c', { runId: 'r' }));
    const doc = store.rows.get('r')!.get(0)!;
    store.rows.get('r')!.set(0, doc.replace('"status":"READY"', '"status":"SLEEPING"'));
    await expect(store.get('r', 0)).rejects.toThrow(/checkpoint memory run "r" step 0, state\.nodes\.root\.status: Invalid option/);
  });
});
