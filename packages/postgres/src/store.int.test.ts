import { afterAll, describe, expect, it } from 'vitest';
import { produce } from 'immer';
import { createRun, type RunEvent } from '@rlmtree/core';
import { describeCheckpointStoreConformance } from '@rlmtree/kit';
import { PostgresCheckpointStore, StepConflictError } from './store.ts';
import { SchemaVersionError } from './schema.ts';
import { PostgresUnreachableError } from './connect.ts';
import { postgresMissing, startCluster, type PostgresCluster } from './testing/index.ts';

const missing = postgresMissing();
let cluster: Promise<PostgresCluster> | undefined;
const db = () => (cluster ??= startCluster());
afterAll(async () => void (await (await cluster)?.destroy()));
let schemas = 0;
/** A store on a fresh schema of the file's one cluster. */
const fresh = async (schema = `t${++schemas}`) => PostgresCheckpointStore.open((await db()).url, { schema, max: 4 });

describe.skipIf(missing)(`postgres store${missing ? ` (skipped: ${missing})` : ''}`, () => {
  describeCheckpointStoreConformance('postgres', async () => {
    const store = await fresh();
    const q = store.schema;
    return {
      store,
      writer: async () => new PostgresCheckpointStore(store.pool, { schema: q.replaceAll('"', '') }),
      raw: {
        doc: async (r, s) => (await store.pool.query(`SELECT doc FROM ${q}.checkpoints WHERE run_id = $1 AND step = $2`, [r, s])).rows[0]?.doc,
        setDoc: async (r, s, doc) => !doc.includes('\u0000') && void (await store.pool.query(`INSERT INTO ${q}.checkpoints (run_id, step, doc) VALUES ($1, $2, $3) ON CONFLICT (run_id, step) DO UPDATE SET doc = EXCLUDED.doc`, [r, s, doc])),
        // Blobs are raw bytes (bytea): given and taken as latin1, one char per byte (NUL included).
        blob: async (h) => (await store.pool.query<{ data: Buffer }>(`SELECT data FROM ${q}.blob_bytes WHERE sha256 = $1`, [h])).rows[0]?.data.toString('latin1'),
        setBlob: async (h, text) => void (await store.pool.query(`UPDATE ${q}.blob_bytes SET data = $2 WHERE sha256 = $1`, [h, Buffer.from(text, 'latin1')])),
      },
    };
  });

  const ended: RunEvent[] = [{ type: 'step_ended', durationMs: 1 }];

  it('appends steps in order and refuses a second writer of a step (optimistic check on the step number)', async () => {
    const store = await fresh();
    const s0 = createRun('q', 'c', { runId: 'r' });
    const at = (n: number, tag = '') => produce(s0, (d) => { d.step = n; d.elapsedMs = n + tag.length; });
    await store.appendStep(s0, []);
    await store.appendStep(at(1), ended, { writer: 'w1' });
    // Four writers race for step 2: exactly one lands.
    const results = await Promise.allSettled([1, 2, 3, 4].map((w) => store.appendStep(at(2, 'x'.repeat(w)), ended, { writer: `w${w}` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StepConflictError);
    // A stale writer (started from step 0) cannot add step 1 again, nor skip ahead.
    await expect(store.appendStep(at(1), ended)).rejects.toThrow(/step 1 was not written: the run's latest stored step is 2/);
    await expect(store.appendStep(at(4), ended)).rejects.toThrow(StepConflictError);
    const steps = await store.steps('r');
    expect(steps.map((s) => s.step)).toEqual([0, 1, 2]);
    expect(steps[1]!.events).toEqual(ended);
    expect(steps[1]!.writer).toBe('w1');
    await store.close();
  });

  it('stores a big context once and re-hashes blobs on read', async () => {
    const store = await fresh();
    const base = createRun('q', 'y'.repeat(300_000), { runId: 'big' });
    for (let step = 0; step < 20; step++) await store.put(produce(base, (d) => void (d.step = step)));
    const { rows: blobs } = await store.pool.query<{ sha256: string; data: Buffer }>(`SELECT sha256, data FROM ${store.schema}.blob_bytes`);
    const system = Buffer.byteLength(base.nodes.root!.messages[0]!.content, 'utf8');
    // The context once, raw (no quotes, no escapes), beside the system prompt, itself long enough to be a blob.
    expect(blobs.map((b) => b.data.length).sort((a, b) => a - b)).toEqual([system, 300_000].sort((a, b) => a - b));
    const context = blobs.find((b) => b.data.length === 300_000)!;
    await store.pool.query(`UPDATE ${store.schema}.blob_bytes SET data = convert_to(repeat('y', 299999) || 'z', 'UTF8') WHERE sha256 = $1`, [context.sha256]);
    const other = new PostgresCheckpointStore(store.pool, { schema: store.schema.replaceAll('"', '') }); // no cached blob
    await expect(other.get('big', 3)).rejects.toThrow(`run "big" step 3, blob ${context.sha256}: its text does not hash to its name`);
    // A database written by schema version 1: the blobs as JSON text in `blobs`, still read.
    await store.pool.query(`DELETE FROM ${store.schema}.blob_bytes`);
    for (const blob of blobs) await store.pool.query(`INSERT INTO ${store.schema}.blobs (sha256, text) VALUES ($1, $2)`, [blob.sha256, JSON.stringify(Buffer.from(blob.data).toString('utf8'))]);
    const third = new PostgresCheckpointStore(store.pool, { schema: store.schema.replaceAll('"', '') });
    expect(await third.get('big', 3)).toEqual(produce(base, (d) => void (d.step = 3)));
    await store.close();
  });

  it('refuses a schema of another version, and names an unreachable server', async () => {
    const store = await fresh('newer');
    await store.pool.query(`UPDATE newer.meta SET value = '99' WHERE key = 'schema_version'`);
    await store.close();
    await expect(fresh('newer')).rejects.toThrow(SchemaVersionError);
    await expect(fresh('newer')).rejects.toThrow(/schema "newer" is at rlmtree schema version 99, this @rlmtree\/postgres uses version 2: it was written by a newer release/);
    const url = (await db()).url.replace(/:\d+\//, ':1/');
    await expect(PostgresCheckpointStore.open(url)).rejects.toThrow(PostgresUnreachableError);
    await expect(PostgresCheckpointStore.open(url)).rejects.toThrow(/cannot reach PostgreSQL at 127\.0\.0\.1:1\/postgres \(ECONNREFUSED\)/);
  });
});
