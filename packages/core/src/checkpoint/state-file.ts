/**
 * One run state as a self-contained JSON text (its blobs inline): for saving a single state,
 * diffing two, and the serialize -> parse -> serialize property test.
 */
import { decodeCheckpoint, encodeCheckpoint } from './store.ts';
import type { RunState } from '../schema/state.ts';

/**
 * `{"checkpoint": <document>, "blobs": {sha256: text}}` as a string. Deterministic: the same
 * state always gives the same text (keys keep the state's order, blobs sorted by hash).
 */
export function serializeState(state: RunState): string {
  const { doc, blobs } = encodeCheckpoint(state);
  const sorted = Object.fromEntries([...blobs].sort(([a], [b]) => (a < b ? -1 : 1)));
  return `{"checkpoint":${doc},"blobs":${JSON.stringify(sorted)}}`;
}

/**
 * Parses what `serializeState` wrote. `where` names the source in errors.
 * @throws CheckpointCorruptError naming the field when the text is not a valid state.
 */
export function parseState(text: string, where = '<string>'): RunState {
  const fail = (detail: string) => new Error(`state ${where}: ${detail}`);
  let outer: { checkpoint?: unknown; blobs?: Record<string, unknown> };
  try {
    outer = JSON.parse(text);
  } catch (err) {
    throw fail(`not JSON (${(err as Error).message})`);
  }
  if (!outer || typeof outer.checkpoint !== 'object' || typeof outer.blobs !== 'object' || outer.blobs === null) {
    throw fail('expected {"checkpoint": …, "blobs": …}');
  }
  const doc = outer.checkpoint as { state?: { json?: { runId?: unknown; step?: unknown } } };
  const runId = String(doc.state?.json?.runId ?? '?');
  const step = Number(doc.state?.json?.step ?? -1);
  const blobs = outer.blobs;
  return decodeCheckpoint(JSON.stringify(outer.checkpoint), (h) => (typeof blobs[h] === 'string' ? (blobs[h] as string) : undefined), { store: where, runId, step });
}
