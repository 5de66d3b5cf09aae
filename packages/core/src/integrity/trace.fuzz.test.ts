/**
 * The integrity fuzz over trace files (fast-check): random single-byte edits, truncations at the
 * end, byte ranges cut from the middle, and duplicated, reordered, dropped and spliced lines
 * (from a trace of another run with the same events). Every damaged trace either loads exactly
 * the original states, loads an earlier point of the same run with a warning saying it was cut
 * (what a killed writer leaves), or fails with a named `TraceFormatError`; never a different
 * state in silence. The checkpoint stores' fuzz is in the conformance suite
 * (checkpoint/conformance.ts), so every store runs it.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { injectMessage } from '../control.ts';
import { createRun } from '../create.ts';
import { reduceAll } from '../reduce.ts';
import type { RunEvent } from '../schema/events.ts';
import type { RunState } from '../schema/state.ts';
import { ran, replied } from '../testing/fixtures.ts';
import { TraceFormatError } from '../trace/format.ts';
import { parseTrace } from '../trace/reader.ts';
import { replay, TraceReplayError } from '../trace/replay.ts';
import { TraceWriter } from '../trace/writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'rlmtree-fuzz-'));
const end: RunEvent = { type: 'step_ended', durationMs: 1.5 };

/** A closed trace of a small run (blobs, an intervention, a delegated child) under `runId`. */
function traceOf(runId: string): string {
  const path = join(dir, `${runId}.jsonl`);
  let s: RunState = createRun('count the lines', 'line one\nline two\n'.repeat(8), { runId });
  const w = TraceWriter.create(path, s, { blobThreshold: 64 });
  const steps: RunEvent[][] = [
    [replied('root', 'h = delegate("part", "count", None)\nresults = yield wait(h)'), end],
    [ran('root', { status: 'suspended', awaiting: ['root.part'] }, { calls: [{ name: 'delegate', args: { name: 'part', query: 'count', contextChars: null }, answer: { ok: true, value: 'root.part' } }], delegated: [{ id: 'root.part', name: 'part', query: 'count', context: null }] }), end],
    [replied('root.part', 'done(16)'), end],
    [ran('root.part', { status: 'done', result: 16 }, { output: 'o'.repeat(200), outputChars: 200 }), end],
    [ran('root', { status: 'ok' }, { resumed: true, output: 'p'.repeat(90), outputChars: 90 }), end],
    [replied('root', 'done(results[0])'), end],
    [ran('root', { status: 'done', result: 16 }), end],
  ];
  steps.forEach((events, i) => {
    const from = i === 3 ? injectMessage(s, 'root', 'be quick') : s;
    const state = reduceAll(from, events);
    w.record({ state, events }, from);
    s = state;
  });
  w.close();
  return readFileSync(path, 'utf8');
}

type Outcome = 'identical' | 'earlier-flagged' | 'named' | 'silent';

describe('integrity fuzz: traces', () => {
  it('every damaged trace loads the original states, an earlier point flagged as cut, or fails with a named error', () => {
    const text = traceOf('run-a');
    const otherText = traceOf('run-b');
    const bytes = Buffer.from(text, 'utf8');
    const lines = text.split('\n').slice(0, -1);
    const other = otherText.split('\n').slice(0, -1);
    const original = replay(parseTrace(text));
    expect(original.at(-1)!.nodes.root!.result).toBe(16);
    const join = (ls: string[]) => `${ls.join('\n')}\n`;
    const line = fc.nat(lines.length - 1);

    const damage = fc.oneof(
      fc.record({ kind: fc.constant('byte'), pos: fc.nat(bytes.length - 1), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate'), pos: fc.nat(bytes.length - 1) }),
      fc.record({ kind: fc.constant('cut'), pos: fc.nat(bytes.length - 1), len: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ kind: fc.constant('duplicate'), i: line, j: line }),
      fc.record({ kind: fc.constant('swap'), i: line, j: line }),
      fc.record({ kind: fc.constant('drop'), i: line }),
      fc.record({ kind: fc.constant('splice-line'), i: line }),
      // From line 2 on: a tail of another run after this run's header (the whole other file is just another trace).
      fc.record({ kind: fc.constant('splice-tail'), i: fc.integer({ min: 1, max: lines.length - 1 }) }),
    );
    const apply = (d: { kind: string; pos?: number; byte?: number; len?: number; i?: number; j?: number }): string => {
      switch (d.kind) {
        case 'byte': {
          const b = Buffer.from(bytes);
          b[d.pos!] = b[d.pos!] === d.byte ? (d.byte! + 1) % 256 : d.byte!;
          return b.toString('utf8');
        }
        case 'truncate':
          return bytes.subarray(0, d.pos!).toString('utf8');
        case 'cut':
          return Buffer.concat([bytes.subarray(0, d.pos!), bytes.subarray(Math.min(bytes.length, d.pos! + d.len!))]).toString('utf8');
        case 'duplicate': {
          const ls = [...lines];
          ls.splice(d.j!, 0, lines[d.i!]!);
          return join(ls);
        }
        case 'swap': {
          const ls = [...lines];
          [ls[d.i!], ls[d.j!]] = [ls[d.j!]!, ls[d.i!]!];
          return join(ls);
        }
        case 'drop':
          return join(lines.filter((_, k) => k !== d.i));
        case 'splice-line':
          return join(lines.map((l, k) => (k === d.i ? (other[k] ?? l) : l)));
        default:
          return join([...lines.slice(0, d.i!), ...other.slice(d.i!)]);
      }
    };

    const counts: Record<Outcome, number> = { identical: 0, 'earlier-flagged': 0, named: 0, silent: 0 };
    const byKind: Record<string, Record<Outcome, number>> = {};
    fc.assert(
      fc.property(damage, (d) => {
        const damaged = apply(d);
        let outcome: Outcome;
        let states: RunState[] | undefined;
        let warnings: string[] = [];
        try {
          const trace = parseTrace(damaged, 'fuzz.jsonl');
          warnings = trace.warnings;
          states = replay(trace);
        } catch (err) {
          expect(err instanceof TraceFormatError || err instanceof TraceReplayError, String(err)).toBe(true);
          if (err instanceof TraceFormatError) expect(err.line).toBeGreaterThan(0);
          states = undefined;
        }
        if (!states) outcome = 'named';
        else if (states.length === original.length) outcome = JSON.stringify(states) === JSON.stringify(original) ? 'identical' : 'silent';
        else {
          // An earlier point of the same run, and the reader said the trace was cut.
          const prefix = states.length < original.length && JSON.stringify(states) === JSON.stringify(original.slice(0, states.length));
          const flagged = warnings.some((w) => /truncated|no end line/.test(w));
          outcome = prefix && flagged ? 'earlier-flagged' : 'silent';
        }
        counts[outcome] += 1;
        (byKind[d.kind] ??= { identical: 0, 'earlier-flagged': 0, named: 0, silent: 0 })[outcome] += 1;
        if (outcome === 'silent') expect.fail(`a ${d.kind} damage loaded different states without an error: ${JSON.stringify(d)}`);
      }),
      { numRuns: 2500 },
    );
    console.log(`integrity fuzz, traces: ${Object.values(counts).reduce((a, b) => a + b, 0)} damaged traces: ${counts.identical} identical, ${counts['earlier-flagged']} an earlier point flagged as cut, ${counts.named} named errors, ${counts.silent} silent differences`);
    console.log(`  by damage: ${Object.entries(byKind).map(([k, c]) => `${k} ${c.identical}/${c['earlier-flagged']}/${c.named}/${c.silent}`).join(', ')} (identical/earlier-flagged/named/silent)`);
    expect(counts.silent).toBe(0);
    expect(counts.named).toBeGreaterThan(counts.identical);
  });
});
