import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { zeroUsage } from './client.ts';
import { SqliteSubCallCache } from './sqlite-subcall-cache.ts';
import { MemorySubCallCache, subCallKey } from './subcall-cache.ts';

const dir = mkdtempSync(join(tmpdir(), 'rlmtree-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const reply = (text: string) => ({ text, usage: { ...zeroUsage(), inputTokens: 3, outputTokens: 2, llmCalls: 1, costUsd: 0.01 } });

describe('subCallKey', () => {
  it('is the same for the same parts whatever the key order, and differs for any part', () => {
    const base = { client: 'openai:gpt-5-mini', model: null, prompt: 'hi', params: { max_tokens: 5, temperature: 0 } };
    expect(subCallKey(base)).toBe(subCallKey({ ...base, params: { temperature: 0, max_tokens: 5 } }));
    expect(subCallKey(base)).toMatch(/^[0-9a-f]{64}$/);
    for (const other of [{ client: 'anthropic:x' }, { model: 'm' }, { prompt: 'hi ' }, { params: { max_tokens: 6, temperature: 0 } }]) {
      expect(subCallKey({ ...base, ...other })).not.toBe(subCallKey(base));
    }
    // Lone surrogates stay distinct (JSON escapes them before hashing).
    expect(subCallKey({ ...base, prompt: '\ud800' })).not.toBe(subCallKey({ ...base, prompt: '\ud801' }));
  });
});

describe('MemorySubCallCache', () => {
  it('returns what was set and evicts the least recently used past its bound', async () => {
    const c = new MemorySubCallCache({ maxEntries: 2 });
    await c.set('a', reply('A'));
    await c.set('b', reply('B'));
    expect((await c.get('a'))?.text).toBe('A');
    await c.set('c', reply('C'));
    expect(await c.get('b')).toBeUndefined();
    expect((await c.get('a'))?.text).toBe('A');
    expect(c.size).toBe(2);
  });
});

describe('SqliteSubCallCache', () => {
  it('persists across opens, expires by age, evicts by count, and treats a damaged entry as a miss', async () => {
    let now = 1_000_000;
    const path = join(dir, 'cache.sqlite');
    const c1 = await SqliteSubCallCache.open(path, { ttlMs: 1000, maxEntries: 3, now: () => now });
    await c1.set('k1', reply('one'));
    await c1.close();
    const c2 = await SqliteSubCallCache.open(path, { ttlMs: 1000, maxEntries: 3, now: () => now });
    expect(await c2.get('k1')).toEqual(reply('one'));
    now += 1500;
    expect(await c2.get('k1')).toBeUndefined();
    for (const k of ['a', 'b', 'c', 'd']) {
      now += 1;
      await c2.set(k, reply(k));
    }
    expect(c2.size).toBe(3);
    expect(await c2.get('a')).toBeUndefined();
    expect((await c2.get('d'))?.text).toBe('d');
    // Corrupt one entry in place: it is a miss, never a wrong reply.
    const { DatabaseSync } = await import('node:sqlite');
    const raw = new DatabaseSync(path);
    raw.prepare("UPDATE subcalls SET reply = '{\"text\": 5}' WHERE key = 'd'").run();
    raw.close();
    expect(await c2.get('d')).toBeUndefined();
    await c2.close();
  });

  it('refuses a file that is not a cache, naming it', async () => {
    const bad = join(dir, 'not-sqlite.txt');
    writeFileSync(bad, 'hello, this is not a database file at all, just some text that is long enough');
    await expect(SqliteSubCallCache.open(bad)).rejects.toThrow(/sub-call cache .*not-sqlite\.txt/);
  });
});
