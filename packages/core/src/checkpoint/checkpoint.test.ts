import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
      // Blobs are raw bytes (`<sha256>.txt`): given and taken as latin1, one char per byte.
      blob: async (h) => readFileSync(join(dir, 'blobs', `${h}.txt`), 'latin1'),
      setBlob: async (h, text) => writeFileSync(join(dir, 'blobs', `${h}.txt`), Buffer.from(text, 'latin1')),
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
      // Blobs are raw bytes in a BLOB column: given and taken as latin1, one char per byte.
      blob: async (h) => {
        const data = (store.db.prepare('SELECT data FROM blob_bytes WHERE sha256 = ?').get(h) as { data: Uint8Array } | undefined)?.data;
        return data && Buffer.from(data).toString('latin1');
      },
      setBlob: async (h, text) => void store.db.prepare('UPDATE blob_bytes SET data = ? WHERE sha256 = ?').run(Buffer.from(text, 'latin1'), h),
    },
  };
});

describe('checkpoint stores', () => {
  it('store a big context once however many checkpoints use it (sqlite)', async () => {
    const store = await SqliteCheckpointStore.open(join(tmp(), 'big.db'));
    const base = createRun('q', 'x'.repeat(1_000_000), { runId: 'big' });
    for (let step = 0; step < 50; step++) await store.put(produce(base, (d) => void (d.step = step)));
    const blobs = store.db.prepare('SELECT length(data) AS bytes FROM blob_bytes').all() as { bytes: number }[];
    const system = Buffer.byteLength(base.nodes.root!.messages[0]!.content, 'utf8');
    // The context once, raw (no quotes, no escapes), beside the system prompt, itself long enough to be a blob.
    expect(blobs.map((b) => b.bytes).sort((a, b) => a - b)).toEqual([system, 1_000_000].sort((a, b) => a - b));
    expect(await store.list('big')).toHaveLength(50);
    await store.close();
  });

  it('write blobs raw (a lone surrogate as UTF-16LE) and still read the JSON-encoded blobs older stores wrote', async () => {
    const context = ['line "one"\n\\ é 漢字\n'.repeat(400), 'lone \ud800 surrogate '.repeat(400)];
    const state = createRun('q', context, { runId: 'raw' });
    const dir = tmp();
    const files = new FileCheckpointStore(dir);
    await files.put(state);
    const names = readdirSync(join(dir, 'blobs')).sort();
    // The two documents (and the system prompt, which names them, is long enough to be a blob too).
    expect(new Set(names.map((n) => n.slice(64)))).toEqual(new Set(['.txt', '.utf16le']));
    expect(names.map((n) => readFileSync(join(dir, 'blobs', n), n.endsWith('.txt') ? 'utf8' : 'utf16le'))).toEqual(expect.arrayContaining(context));
    expect(await new FileCheckpointStore(dir).get('raw', 0)).toEqual(state);
    // A folder written before blobs were raw: each blob a JSON string in <sha256>.json.
    for (const n of names) {
      const text = readFileSync(join(dir, 'blobs', n), n.endsWith('.txt') ? 'utf8' : 'utf16le');
      rmSync(join(dir, 'blobs', n));
      writeFileSync(join(dir, 'blobs', `${n.slice(0, 64)}.json`), JSON.stringify(text));
    }
    expect(await new FileCheckpointStore(dir).get('raw', 0)).toEqual(state);

    const db = join(tmp(), 'raw.db');
    const sqlite = await SqliteCheckpointStore.open(db);
    await sqlite.put(state);
    const rows = sqlite.db.prepare('SELECT sha256, encoding, data FROM blob_bytes').all() as { sha256: string; encoding: string; data: Uint8Array }[];
    const texts = rows.map((r) => Buffer.from(r.data).toString(r.encoding === 'utf8' ? 'utf8' : 'utf16le'));
    expect(new Set(rows.map((r) => r.encoding))).toEqual(new Set(['utf8', 'utf-16le']));
    expect(texts).toEqual(expect.arrayContaining(context));
    // A database written before blobs were raw: JSON text in the blobs table.
    rows.forEach((r, i) => sqlite.db.prepare('INSERT INTO blobs (sha256, text) VALUES (?, ?)').run(r.sha256, JSON.stringify(texts[i])));
    sqlite.db.exec('DELETE FROM blob_bytes');
    await sqlite.close();
    const old = await SqliteCheckpointStore.open(db);
    expect(await old.get('raw', 0)).toEqual(state);
    await old.close();
  });

  it('names the field of a state that fails the schema (a document sealed over a bad state)', async () => {
    const store = new MemoryCheckpointStore();
    await store.put(createRun('q', 'c', { runId: 'r' }));
    const { content } = unseal(store.rows.get('r')!.get(0)!)!;
    store.rows.get('r')!.set(0, seal(chainSeed(CHECKPOINT_FORMAT, 'r'), content.replace('"status":"READY"', '"status":"SLEEPING"')).text);
    await expect(store.get('r', 0)).rejects.toThrow(/checkpoint memory run "r" step 0, state\.nodes\.root\.status: Invalid option/);
  });
});
