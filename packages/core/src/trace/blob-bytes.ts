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
import { createHash } from 'node:crypto';

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

/** The content address (sha256 hex) of a blob's bytes; equal to `codec.ts`'s `sha256` of its text. */
export function blobBytesHash(bytes: Uint8Array, encoding: BlobEncoding): string {
  const h = createHash('sha256');
  if (encoding === 'utf-16le') h.update('utf-16le:', 'utf8');
  return h.update(bytes).digest('hex');
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
