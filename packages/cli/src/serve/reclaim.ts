/**
 * Giving memory back after large requests. A 50 MB request leaves hundreds of MB of garbage (the
 * body, its parsed JSON, the context's copies); V8 collects it only under allocation pressure,
 * so an idle server kept it for good (measured: 145 MB → 1.2 GB after four 50 MB requests, 840 MB
 * kept). After a large request ends, the server runs one full collection, at most once per
 * `minIntervalMs`, so its resident size returns near its baseline (bench/serve-memory.bench.ts).
 *
 * `gc` is reached the documented way for code that cannot pass `--expose-gc` on the command line
 * (the `rlmtree` bin): `v8.setFlagsFromString('--expose-gc')`, then `gc` from a fresh context.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Requests with a body at least this large trigger a collection when they end (bytes; 4 MiB). */
export const RECLAIM_THRESHOLD_BYTES = 4 * 1024 * 1024;

let gc: (() => void) | null | undefined;

/** The engine's full-collection function, or null when this Node does not offer one. */
function fullGc(): (() => void) | null {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  return gc;
}

/**
 * A function to call when a request ends with its body size (bytes): past the threshold it
 * schedules one full collection, at most once per `minIntervalMs` (default 1000 ms).
 */
export function memoryReclaimer(thresholdBytes = RECLAIM_THRESHOLD_BYTES, minIntervalMs = 1000): (bodyBytes: number) => void {
  let last = 0;
  let pending = false;
  return (bodyBytes) => {
    if (bodyBytes < thresholdBytes || pending) return;
    pending = true;
    const wait = Math.max(0, last + minIntervalMs - Date.now());
    // After the response is written, not inside it: the collection pauses the event loop briefly.
    setTimeout(() => {
      pending = false;
      last = Date.now();
      fullGc()?.();
    }, wait).unref();
  };
}
