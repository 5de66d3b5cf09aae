/**
 * The sub-call cache: an `llm_query` whose provider, model, prompt and parameters were answered
 * before is answered from the cache. A hit costs nothing, is not counted against sub-call budgets,
 * and is recorded on the host call (`cacheHits`), so a replay or a REPL rebuild stays exact (it
 * answers from the record, never from the cache). Two caches: `MemorySubCallCache` (in-run, LRU,
 * bounded) and `SqliteSubCallCache` (persistent across runs, `sqlite-subcall-cache.ts`).
 */
import { LRUCache } from 'lru-cache';
import type { Usage } from '../schema/state.ts';
import { nodeCrypto } from '../util/builtins.ts';

/** What a cache keeps of one sub-call's reply. */
export interface CachedReply {
  /** The reply text. */
  text: string;
  /** The model that answered, when the provider named it. */
  model?: string;
  /** What the original call spent (tokens, USD): shown as saved, never charged again. */
  usage: Usage;
}

/** A store of sub-call replies by key (see `subCallKey`). */
export interface SubCallCache {
  /** The cached reply for `key`, or undefined (missing or expired). */
  get(key: string): Promise<CachedReply | undefined>;
  /** Keeps `reply` under `key`; may evict older entries to stay within its bounds. */
  set(key: string, reply: CachedReply): Promise<void>;
  /** Releases what the cache holds (files, handles). Never rejects. */
  close?(): Promise<void>;
}

/** What identifies a sub-call for the cache: the same parts give the same key. */
export interface SubCallKeyParts {
  /** The client's name (`LLMClient.name`), e.g. `openai:gpt-5-mini`: another provider is another key. */
  client: string;
  /** The model asked for by the call (`llm_query(..., model=...)`), or null for the client's default. */
  model: string | null;
  /** The prompt sent. */
  prompt: string;
  /** Every other parameter that changes the reply (max_tokens, temperature, schema…); absent ones omitted. */
  params?: Record<string, unknown>;
}

/**
 * The cache key of a sub-call: sha256 (hex) of a canonical JSON of its parts, object keys sorted,
 * so `{a, b}` and `{b, a}` give one key.
 */
export function subCallKey(parts: SubCallKeyParts): string {
  return nodeCrypto().createHash('sha256').update(canonicalJson({ v: 1, client: parts.client, model: parts.model, prompt: parts.prompt, params: parts.params ?? {} }), 'utf8').digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Bounds of a `MemorySubCallCache`. */
export interface MemorySubCallCacheOptions {
  /** Most entries kept (default 10,000); the least recently used go first. */
  maxEntries?: number;
  /** Most characters of reply text kept in all (default 50,000,000). */
  maxChars?: number;
  /** Entries older than this are misses (ms; default: no expiry). */
  ttlMs?: number;
}

/** An in-memory LRU sub-call cache (the well-kept `lru-cache` package), bounded by entries and characters. */
export class MemorySubCallCache implements SubCallCache {
  private readonly lru: LRUCache<string, CachedReply>;

  /** @param options bounds (entries, characters, expiry in ms). */
  constructor(options: MemorySubCallCacheOptions = {}) {
    this.lru = new LRUCache<string, CachedReply>({
      max: options.maxEntries ?? 10_000,
      maxSize: options.maxChars ?? 50_000_000,
      sizeCalculation: (r) => Math.max(1, r.text.length),
      ...(options.ttlMs ? { ttl: options.ttlMs } : {}),
    });
  }

  /** Entries currently kept. */
  get size(): number {
    return this.lru.size;
  }

  async get(key: string): Promise<CachedReply | undefined> {
    return this.lru.get(key);
  }

  async set(key: string, reply: CachedReply): Promise<void> {
    this.lru.set(key, reply);
  }
}
