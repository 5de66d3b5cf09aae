import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { produce } from 'immer';
import { createRun } from '../create.ts';
import { describeCheckpointStoreConformance } from '@rlmtree/kit';
import { FileCheckpointStore } from './file-store.ts';
import { MemoryCheckpointStore } from './memory-store.ts';
import { SqliteCheckpointStore } from './sqlite-store.ts';
import { CHECKPOINT_FORMAT } from './store.ts';
import { chainSeed, seal, unseal } from '../integrity/chain.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'rlmtree-ckpt-'));

describeCheckpointStoreConformance('memory', async () => {
  const store = new MemoryCheckpointStore();
  return {
    store,
    writer: async () => new MemoryCheckpointStore(store),
    raw: {
      doc: async (r, s) => store.rows.get(r)?.get(s),
      setDoc: async (r, s, doc) => void store.rows.get(r)!.set(s, doc),
      blob: async (h) => store.blobs.get(h),
      setBlob: async (h, text) => void store.blobs.set(h, text),
    },
  };
});

describeCheckpointStoreConformance('file', async () => {
  const dir = tmp();
  const store = new FileCheckpointStore(dir);
  return {
    store,
    writer: async () => new FileCheckpointStore(dir),
    raw: {
      doc: async (r, s) => readFileSync(store.pathOf(r, s), 'utf8'),
      setDoc: async (r, s, doc) => writeFileSync(store.pathOf(r, s), doc),
      blob: async (h) => readFileSync(join(dir, 'blobs', `${h}.json`), 'utf8'),
      setBlob: async (h, text) => writeFileSync(join(dir, 'blobs', `${h}.json`), text),
    },
  };
});

describeCheckpointStoreConformance('sqlite', async () => {
  const path = join(tmp(), 'ckpt.db');
  const store = await SqliteCheckpointStore.open(path);
  const row = (sql: string, ...args: (string | number)[]) => store.db.prepare(sql).get(...args) as Record<string, string> | undefined;
  return {
    store,
    writer: () => SqliteCheckpointStore.open(path),
    raw: {
      doc: async (r, s) => row('SELECT doc FROM checkpoints WHERE run_id = ? AND step = ?', r, s)?.doc,
      setDoc: async (r, s, doc) => void store.db.prepare('INSERT OR REPLACE INTO checkpoints (run_id, step, doc) VALUES (?, ?, ?)').run(r, s, doc),
      blob: async (h) => row('SELECT text FROM blobs WHERE sha256 = ?', h)?.text,
      setBlob: async (h, text) => void store.db.prepare('UPDATE blobs SET text = ? WHERE sha256 = ?').run(text, h),
    },
  };
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

  it('names the field of a state that fails the schema (a document sealed over a bad state)', async () => {
    const store = new MemoryCheckpointStore();
    await store.put(createRun('q', 'c', { runId: 'r' }));
    const { content } = unseal(store.rows.get('r')!.get(0)!)!;
    store.rows.get('r')!.set(0, seal(chainSeed(CHECKPOINT_FORMAT, 'r'), content.replace('"status":"READY"', '"status":"SLEEPING"')).text);
    await expect(store.get('r', 0)).rejects.toThrow(/checkpoint memory run "r" step 0, state\.nodes\.root\.status: Invalid option/);
  });
});
