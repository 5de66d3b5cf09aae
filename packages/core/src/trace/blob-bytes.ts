/**
 * A blob's bytes: how a big string is written raw (trace format 3, the file and SQLite checkpoint
 * stores) instead of as a JSON string literal, and how its content address is computed from them.
 *
 * A well-formed string is its UTF-8 bytes, addressed by their sha256. A string holding a lone
 * surrogate (which UTF-8 cannot carry: two such strings could share bytes) is its UTF-16LE code
 * units, addressed by sha256 of `"utf-16le:"` + those bytes. These are the same addresses
 * `codec.ts`'s `sha256` gives the string, so a blob written raw and one written as JSON text
 * have one name.
 */
import { nodeCrypto } from '../util/builtins.ts';

/** How a blob's bytes encode its text. */
export type BlobEncoding = 'utf8' | 'utf-16le';

/** A blob's text as bytes. */
export interface BlobBytes {
  bytes: Buffer;
  encoding: BlobEncoding;
}

/** The encoding a string's bytes take: UTF-8 unless it holds a lone surrogate. */
export function blobEncoding(text: string): BlobEncoding {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed() ? 'utf8' : 'utf-16le';
}

/** The bytes of `text` (one copy of it, in the encoding `blobEncoding` picks). */
export function blobBytes(text: string): BlobBytes {
  const encoding = blobEncoding(text);
  return { bytes: Buffer.from(text, encoding === 'utf8' ? 'utf8' : 'utf16le'), encoding };
}

/** Length in bytes of `text` in `encoding` (no copy made). */
export function blobByteLength(text: string, encoding: BlobEncoding): number {
  return encoding === 'utf8' ? Buffer.byteLength(text, 'utf8') : text.length * 2;
}

// Chars per chunk of `blobChunks`; the scratch buffer holds one chunk at 3 UTF-8 bytes per char.
const CHUNK_CHARS = 1 << 18;
let scratch: Buffer | undefined;

/**
 * Calls `f` with the bytes of `text` in `encoding`, a chunk (up to 768 KiB) at a time, in order.
 * The chunk is a view of one reused buffer, valid only until `f` returns. Why: a fresh buffer
 * the size of a 100 MB context costs more to allocate (its pages faulted in) than to fill, many
 * times over on some machines; this makes the bytes without ever holding them all.
 */
export function blobChunks(text: string, encoding: BlobEncoding, f: (bytes: Buffer) => void): void {
  scratch ??= Buffer.allocUnsafe(CHUNK_CHARS * 3);
  const buf = scratch;
  const enc = encoding === 'utf8' ? 'utf8' : 'utf16le';
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + CHUNK_CHARS);
    // Never split a surrogate pair (UTF-8 would write each half as U+FFFD).
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    const n = buf.write(i === 0 && end === text.length ? text : text.slice(i, end), 0, enc);
    f(buf.subarray(0, n));
    i = end;
  }
}

/** The content address (sha256 hex) of a blob's bytes; equal to `codec.ts`'s `sha256` of its text. */
export function blobBytesHash(bytes: Uint8Array, encoding: BlobEncoding): string {
  const h = nodeCrypto().createHash('sha256');
  if (encoding === 'utf-16le') h.update('utf-16le:', 'utf8');
  return h.update(bytes).digest('hex');
}

/** `blobBytesHash` of `text`'s bytes, made a chunk at a time (`blobChunks`). */
export function blobTextHash(text: string, encoding: BlobEncoding = blobEncoding(text)): string {
  const h = nodeCrypto().createHash('sha256');
  if (encoding === 'utf-16le') h.update('utf-16le:', 'utf8');
  blobChunks(text, encoding, (bytes) => h.update(bytes));
  return h.digest('hex');
}

/**
 * The text of a blob's bytes.
 * @throws RangeError when UTF-16LE bytes are of odd length (cut or damaged).
 */
export function blobText(bytes: Uint8Array, encoding: BlobEncoding): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (encoding === 'utf-16le' && buf.length % 2 !== 0) throw new RangeError(`UTF-16LE blob bytes of odd length ${buf.length}`);
  return buf.toString(encoding === 'utf8' ? 'utf8' : 'utf16le');
}
