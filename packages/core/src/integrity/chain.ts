/**
 * The integrity chain shared by trace files and every checkpoint store (docs/integrity.md).
 *
 * A sealed record is a JSON object text whose last member is `"chain":"<64 hex>"`, where the
 * hex is `sha256(prev + "\n" + content)`: `content` is the record's exact text without that last
 * member, `prev` the chain of the record before it (or a seed naming the run for the first).
 * So a record commits to its own bytes and to every record before it: an edited byte, a line
 * moved, repeated, dropped from the middle or spliced in from another run no longer matches.
 *
 * The hash is over the stored text, not a re-serialization, so any JSON writer can seal and any
 * reader can check without a canonical form. This detects accidents and splices; it is not a
 * signature (anyone can recompute a chain after editing), so it does not stop a deliberate forger
 * who rewrites every later record too.
 */
import { nodeCrypto } from '../util/builtins.ts';

/** The last member of a sealed record: `,"chain":"` + 64 hex + `"}` (76 characters). */
const SUFFIX = /,"chain":"([0-9a-f]{64})"\}$/;
const SUFFIX_CHARS = 76;

/** sha256 hex of `prev + "\n" + content` (UTF-8). The one hash of the chain. */
export function chainHash(prev: string, content: string): string {
  return nodeCrypto().createHash('sha256').update(prev, 'utf8').update('\n', 'utf8').update(content, 'utf8').digest('hex');
}

/**
 * The `prev` of a run's first record: commits it to its kind and run id, so a record moved from
 * one run (or from a trace to a checkpoint store) to another never checks.
 * @param kind e.g. `"rlmtree.trace"`, `"rlmtree.checkpoint"`.
 */
export function chainSeed(kind: string, runId: string): string {
  return chainHash(kind, runId);
}

/**
 * Seals a record: `content` is a JSON object text (`{…}`, at least one member); returns it with
 * `"chain"` appended as its last member, and that chain.
 * @throws TypeError when `content` is not an object text with members.
 */
export function seal(prev: string, content: string): { text: string; chain: string } {
  if (!content.startsWith('{') || !content.endsWith('}') || content.length < 3) throw new TypeError('seal: content must be a JSON object text with members');
  const chain = chainHash(prev, content);
  return { text: `${content.slice(0, -1)},"chain":"${chain}"}`, chain };
}

/** What `unseal` found: the content the chain covers and the chain written. */
export interface Unsealed {
  content: string;
  chain: string;
}

/** Splits a sealed record into its content and chain; null when it carries no chain member. */
export function unseal(text: string): Unsealed | null {
  const m = SUFFIX.exec(text);
  if (!m) return null;
  return { content: `${text.slice(0, text.length - SUFFIX_CHARS)}}`, chain: m[1]! };
}

/**
 * Why a sealed record does not check, or null when it does: it carries no chain, or its chain is
 * not `sha256(prev, content)` (the record was edited, or it does not follow `prev`).
 */
export function checkSeal(text: string, prev: string): { problem: 'unsealed' | 'mismatch'; unsealed: Unsealed | null } | null {
  const u = unseal(text);
  if (!u) return { problem: 'unsealed', unsealed: null };
  if (chainHash(prev, u.content) !== u.chain) return { problem: 'mismatch', unsealed: u };
  return null;
}
