/**
 * The value codec shared by trace files and checkpoint stores: superjson (so Dates, Maps,
 * undefined and BigInt survive) with every string longer than a threshold moved out into a
 * content-addressed blob (sha256 of its UTF-8 bytes) and replaced by a reference. A 100 MB
 * context held by every state of a run is therefore stored once, not once per state.
 *
 * A reference is the string `"\u0000blob:sha256:<hex>"`. A real string that starts with U+0000
 * is escaped by one more leading U+0000, so no value can be mistaken for a reference.
 */
import superjson from 'superjson';
import { blobTextHash } from './blob-bytes.ts';

/** Strings longer than this (in UTF-16 code units, i.e. JS `length`) become blobs by default. */
export const DEFAULT_BLOB_THRESHOLD = 4096;

const REF = '\u0000blob:sha256:';
const HEX64 = /^[0-9a-f]{64}$/;

/** A value as stored: superjson's `{json, meta}` with big strings replaced by blob references. */
export interface EncodedValue {
  json: unknown;
  meta?: unknown;
}

/** Where encoding puts blobs: called once per big string met (the sink dedupes by hash). */
export type BlobSink = (sha256: string, text: string) => void;

/** Where decoding finds blobs: the text, or undefined when the store does not hold it. */
export type BlobSource = (sha256: string) => string | undefined;

/** A value could not be decoded: a missing blob or a malformed reference, at a field path. */
export class DecodeError extends Error {
  /** Dotted path of the field inside the decoded value, e.g. `nodes.root.context`. */
  readonly field: string;
  /** @param field where in the value; @param detail what is wrong. */
  constructor(field: string, detail: string) {
    super(`${field || '(value)'}: ${detail}`);
    this.name = 'DecodeError';
    this.field = field;
  }
}

// Hashing a 100 MB string takes ~0.3 s; the same string object (a run's context) is met at every
// checkpoint, so remember the last few. Map lookups on a string that is the same object are O(1).
const hashCache = new Map<string, string>();
const HASH_CACHE_SIZE = 64;

/**
 * sha256 (hex) of a string: of its UTF-8 bytes, or, for a string holding a lone surrogate (which
 * UTF-8 cannot carry, so two such strings could share bytes), of `"utf-16le:"` + its UTF-16LE
 * code units (`blob-bytes.ts`). Cached for the last 64 big strings seen.
 */
export function sha256(text: string): string {
  const hit = hashCache.get(text);
  if (hit !== undefined) return hit;
  const hex = blobTextHash(text);
  if (text.length > DEFAULT_BLOB_THRESHOLD) {
    if (hashCache.size >= HASH_CACHE_SIZE) hashCache.delete(hashCache.keys().next().value!);
    hashCache.set(text, hex);
  }
  return hex;
}

/**
 * Encodes a value: superjson, then strings longer than `threshold` chars go to `sink`.
 * Pure apart from the calls to `sink`; the input is not changed.
 */
export function encodeValue(value: unknown, sink: BlobSink, threshold = DEFAULT_BLOB_THRESHOLD): EncodedValue {
  const { json, meta } = superjson.serialize(value as Parameters<typeof superjson.serialize>[0]);
  const out: EncodedValue = { json: outline(json, sink, threshold) };
  if (meta !== undefined) out.meta = meta;
  return out;
}

function outline(v: unknown, sink: BlobSink, threshold: number): unknown {
  if (typeof v === 'string') {
    if (v.length > threshold) {
      const hash = sha256(v);
      sink(hash, v);
      return REF + hash;
    }
    return v.charCodeAt(0) === 0 ? `\u0000${v}` : v;
  }
  if (Array.isArray(v)) return v.map((x) => outline(x, sink, threshold));
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = outline((v as Record<string, unknown>)[k], sink, threshold);
    return o;
  }
  return v;
}

/**
 * Decodes what `encodeValue` made, taking blobs from `source`. With `verify`, every blob's text
 * is hashed again and must match its reference (what a store read from disk or a database).
 * @throws DecodeError naming the field when a blob is missing, does not hash to its reference,
 *   or a reference is malformed.
 */
export function decodeValue<T = unknown>(encoded: EncodedValue, source: BlobSource, options: { verify?: boolean } = {}): T {
  const checked = options.verify ? verified(source) : source;
  const json = inline(encoded.json, checked, '');
  return superjson.deserialize<T>({ json, meta: encoded.meta } as Parameters<typeof superjson.deserialize>[0]);
}

/** Thrown by a verifying source; `inline` turns it into a DecodeError at the field. */
class BlobHashMismatch extends Error {}

function verified(source: BlobSource): BlobSource {
  const ok = new Set<string>();
  return (hash) => {
    const text = source(hash);
    if (text === undefined || ok.has(hash)) return text;
    if (sha256(text) !== hash) throw new BlobHashMismatch(hash);
    ok.add(hash);
    return text;
  };
}

function inline(v: unknown, source: BlobSource, path: string): unknown {
  if (typeof v === 'string') {
    if (v.charCodeAt(0) !== 0) return v;
    if (v.startsWith(REF)) {
      const hash = v.slice(REF.length);
      if (!HEX64.test(hash)) throw new DecodeError(path, `malformed blob reference ${JSON.stringify(v.slice(1, 90))}`);
      let text: string | undefined;
      try {
        text = source(hash);
      } catch (err) {
        if (err instanceof BlobHashMismatch) throw new DecodeError(path, `blob sha256:${hash} does not hash to its name (its text was changed or damaged)`);
        throw err;
      }
      if (text === undefined) throw new DecodeError(path, `blob sha256:${hash} is missing`);
      return text;
    }
    if (v.charCodeAt(1) === 0) return v.slice(1);
    throw new DecodeError(path, `string starts with U+0000 but is neither escaped nor a blob reference`);
  }
  if (Array.isArray(v)) return v.map((x, i) => inline(x, source, join(path, String(i))));
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = inline((v as Record<string, unknown>)[k], source, join(path, k));
    return o;
  }
  return v;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** A dotted field path from a zod issue path, prefixed (`initial.nodes.root.status`). */
export function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  return [prefix, ...path.map(String)].filter(Boolean).join('.');
}
