import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cancelAgent, injectMessage } from '../control.ts';
import { createRun } from '../create.ts';
import type { StepResult } from '../engine/engine.ts';
import { reduceAll } from '../reduce.ts';
import type { RunEvent } from '../schema/events.ts';
import type { RunState } from '../schema/state.ts';
import { ran, replied } from '../testing/fixtures.ts';
import { TraceFormatError } from './format.ts';
import { parseTrace, readTrace } from './reader.ts';
import { forkTrace, replay, rewindTrace } from './replay.ts';
import { ReplayLLM } from './replay-llm.ts';
import { TraceWriter } from './writer.ts';
import { sha256 } from './codec.ts';
import { createHash } from 'node:crypto';
import { chainSeed, seal, unseal } from '../integrity/chain.ts';

/**
 * `lines` with every line from `from` on sealed again after the one before it (a blob's raw bytes,
 * which are not sealed lines, are skipped).
 */
function rechain(lines: string[], from: number): string[] {
  const out = [...lines];
  const sealed = (l: string | undefined) => l !== undefined && unseal(l) !== null;
  let before = from - 1;
  while (before > 0 && !sealed(out[before])) before -= 1;
  let prev = from === 0 ? chainSeed('rlmtree.trace', JSON.parse(lines[0]!).runId) : unseal(out[before]!)!.chain;
  for (let i = from; i < out.length; i++) {
    if (!out[i] || (i !== from && !sealed(out[i]))) continue;
    const next = seal(prev, unseal(out[i]!)?.content ?? out[i]!);
    out[i] = next.text;
    prev = next.chain;
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'rlmtree-trace-'));
let n = 0;
const tmp = () => join(dir, `t${n++}.jsonl`);
const end: RunEvent = { type: 'step_ended', durationMs: 1.25 };
const CONTEXT = 'the long context. '.repeat(20_000); // 360,000 chars: a blob

/** Steps of a small run: the root prints a big output twice, then finishes. */
function stepsOf(): RunEvent[][] {
  const big = 'x'.repeat(9000);
  return [
    [replied('root', 'print("x" * 9000)'), end],
    [ran('root', { status: 'ok' }, { output: big, outputChars: 9000 }), end],
    [replied('root', 'print("x" * 9000)'), end],
    [ran('root', { status: 'ok' }, { output: big, outputChars: 9000 }), end],
    [replied('root', 'done(42)'), end],
    [ran('root', { status: 'done', result: 42 }), end],
  ];
}

/** Runs the recorded steps through a writer as an engine would; returns the states. */
function record(path: string, initial = createRun('q', CONTEXT, { runId: 'run-1' }), formatVersion?: 2 | 3): RunState[] {
  const w = TraceWriter.create(path, initial, { config: { model: 'scripted:x' }, ...(formatVersion ? { formatVersion } : {}) });
  const states = [initial];
  for (const events of stepsOf()) {
    const result: StepResult = { state: reduceAll(states.at(-1)!, events), events };
    w.record(result, states.at(-1));
    states.push(result.state);
  }
  w.close();
  return states;
}

describe('trace files', () => {
  it('round-trips: replay gives every state deep-equal, with the context and repeated outputs stored once', async () => {
    const path = tmp();
    const states = record(path);
    const trace = await readTrace(path);
    expect(trace.warnings).toEqual([]);
    expect(trace.header.config).toEqual({ model: 'scripted:x' });
    expect(trace.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(replay(trace)).toEqual(states);
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n').filter((l) => l.startsWith('{"kind":"blob"')).length).toBe(3); // system prompt + context + output
    expect(statSync(path).size).toBeLessThan(CONTEXT.length + 9000 + 20_000);
    // Version 3: each blob line names its bytes, which follow it raw (no JSON string of the text).
    expect(JSON.parse(text.slice(0, text.indexOf('\n'))).version).toBe(3);
    expect(text).toContain(`"bytes":${CONTEXT.length},"encoding":"utf8","chain":"`);
    expect(text).toContain(`\n${CONTEXT}\n`);
    expect(text).not.toMatch(/\{"kind":"blob"[^\n]*"text":/);
  });

  it('stores blobs raw whatever they hold: newlines, quotes, non-ASCII, and a lone surrogate (as UTF-16LE)', async () => {
    const path = tmp();
    const context = ['line one\nline "two"\n\\ é 漢字 🙂\n'.repeat(300), 'lone \ud800 surrogate '.repeat(300)];
    const s0 = createRun('q', context, { runId: 'raw' });
    const events: RunEvent[] = [replied('root', 'print("out")'), ran('root', { status: 'ok' }, { output: 'out\n'.repeat(2000), outputChars: 8000 }), end];
    const w = TraceWriter.create(path, s0);
    w.record({ state: reduceAll(s0, events), events }, s0);
    w.close();
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('"encoding":"utf-16le"');
    expect(text).toContain(context[0]);
    const states = replay(await readTrace(path));
    expect(states[0]!.nodes.root!.context).toEqual(context);
    expect(states[1]).toEqual(reduceAll(s0, events));
  });

  it('writes a big blob a chunk at a time without splitting a surrogate pair across chunks', async () => {
    const path = tmp();
    // 2^18 chars per chunk: the pair straddles the first boundary, the text spans several chunks.
    const text = `${'a'.repeat((1 << 18) - 1)}🙂${'é'.repeat(600_000)}🙂`;
    const s0 = createRun('q', text, { runId: 'chunks' });
    TraceWriter.create(path, s0).close();
    const bytes = readFileSync(path);
    expect(bytes.includes(Buffer.from(`\n${text}\n`, 'utf8'))).toBe(true);
    expect((await readTrace(path)).header.initial.nodes.root!.context).toBe(text);
    expect(sha256(text)).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
  });

  it('a blob whose raw bytes were cut short by a killed writer reads as a truncated last line; append goes on', async () => {
    const path = tmp();
    const states = record(path);
    // A writer killed while writing a new step's blob: the blob line and part of its bytes.
    const p2 = tmp();
    const w = TraceWriter.create(p2, states[0]!);
    const events: RunEvent[] = [replied('root', 'print("y")'), ran('root', { status: 'ok' }, { output: 'y'.repeat(50_000), outputChars: 50_000 }), end];
    w.record({ state: reduceAll(states[0]!, events), events }, states[0]);
    w.close();
    const whole = readFileSync(p2);
    const y = whole.indexOf('yyyy');
    writeFileSync(p2, whole.subarray(0, y + 20_000));
    const blobLine = whole.subarray(0, whole.lastIndexOf('{"kind":"blob"', y)).toString('utf8').split('\n').length;
    expect((await readTrace(p2)).warnings[0]).toContain(`line ${blobLine}: the last line is truncated (its blob's 50000 raw bytes and newline end past the end of the file`);
    const { writer, states: loaded, trace } = TraceWriter.append(p2);
    expect(trace.truncated).toBe(true);
    expect(loaded).toHaveLength(1);
    writer.record({ state: reduceAll(states[0]!, events), events }, states[0]);
    writer.close();
    const again = await readTrace(p2);
    expect(again.warnings).toEqual([]);
    expect(replay(again)[1]).toEqual(reduceAll(states[0]!, events));
  });

  it('reads a version 2 trace (blob text as JSON) and appends to it in version 2', async () => {
    const path = tmp();
    const states = record(path, undefined, 2);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(`"text":"${CONTEXT}"`);
    writeFileSync(path, text.slice(0, text.lastIndexOf('{"kind":"step"')));
    const { writer, states: loaded } = TraceWriter.append(path);
    expect(writer.version).toBe(2);
    const events = stepsOf()[5]!;
    writer.record({ state: reduceAll(loaded.at(-1)!, events), events }, loaded.at(-1));
    writer.close();
    const again = await readTrace(path);
    expect(again.header.version).toBe(2);
    expect(again.warnings).toEqual([]);
    expect(replay(again)).toEqual(states);
  });

  it('a truncated last line is reported and ignored; append cuts it off and continues', async () => {
    const path = tmp();
    const states = record(path);
    const full = readFileSync(path, 'utf8');
    const cut = full.slice(0, full.lastIndexOf('{"kind":"step"') + 40); // the last step line loses its end
    writeFileSync(path, cut);
    const trace = await readTrace(path);
    expect(trace.steps).toHaveLength(5);
    expect(trace.warnings).toHaveLength(2);
    expect(trace.warnings[0]).toMatch(/line \d+: the last line is truncated/);
    expect(trace.warnings[1]).toMatch(/no end line after step 5: its writer did not close it/);
    expect(replay(trace)).toEqual(states.slice(0, 6));

    const { writer, states: loaded } = TraceWriter.append(path);
    expect(loaded.at(-1)).toEqual(states[5]);
    const events = stepsOf()[5]!;
    writer.record({ state: reduceAll(loaded.at(-1)!, events), events }, loaded.at(-1));
    writer.close();
    const again = await readTrace(path);
    expect(again.warnings).toEqual([]);
    expect(replay(again)).toEqual(states);
  });

  it('malformed content is an error naming the line and the field', async () => {
    const path = tmp();
    record(path);
    const lines = readFileSync(path, 'utf8').split('\n');
    const stepLine = lines.findIndex((l) => l.startsWith('{"kind":"step","step":2'));
    // An edit sealed again from that line on, as a buggy writer would have written it: what the
    // chain cannot catch, the schema and step checks still do.
    const bad = (edit: (l: string) => string, at = stepLine) => rechain(lines.map((l, i) => (i === at ? edit(unseal(l)?.content ?? l) : l)), at).join('\n');
    const unsealedEdit = (edit: (l: string) => string, at = stepLine) => lines.map((l, i) => (i === at ? edit(l) : l)).join('\n');
    expect(() => parseTrace(unsealedEdit((l) => l.replace('"durationMs":1.25', '"durationMs":1.26')), 'a.jsonl')).toThrow(
      new RegExp(`line ${stepLine + 1}, chain: does not follow line ${stepLine}: the line was edited`),
    );
    const swapped = [...lines];
    [swapped[stepLine], swapped[stepLine + 1]] = [swapped[stepLine + 1]!, swapped[stepLine]!];
    expect(() => parseTrace(swapped.join('\n'), 'a.jsonl')).toThrow(new RegExp(`line ${stepLine + 1}, chain: does not follow`));
    const other = readFileSync((record(tmp(), createRun('q', CONTEXT, { runId: 'run-other' })), join(dir, `t${n - 1}.jsonl`)), 'utf8').split('\n');
    const spliced = [...lines.slice(0, stepLine), ...other.slice(stepLine)].join('\n');
    expect(() => parseTrace(spliced, 'a.jsonl')).toThrow(new RegExp(`line ${stepLine + 1}, chain: does not follow`));
    expect(() => parseTrace([lines[0], ...lines].join('\n'), 'a.jsonl')).toThrow(/line 2, chain: does not follow line 1/);
    expect(() => parseTrace(`${lines.join('\n')}${lines.at(-2)}\n`, 'a.jsonl')).toThrow(/a line after the end line/);

    expect(() => parseTrace(bad((l) => l.replace('"status":"ok"', '"status":"fine"')), 'a.jsonl')).toThrow(
      /trace a\.jsonl, line \d+, events\.0\.outcome\.status: Invalid discriminator value/,
    );
    expect(() => parseTrace(unsealedEdit((l) => l.slice(0, 20)), 'a.jsonl')).toThrow(new RegExp(`line ${stepLine + 1}: not JSON`));
    expect(() => parseTrace(bad((l) => l.replace('"step":2', '"step":3')), 'a.jsonl')).toThrow(/step: is 3, expected 2 \(a step is missing or repeated\)/);
    const blobLine = lines.findIndex((l) => l.startsWith('{"kind":"blob"'));
    // The blob's raw bytes follow its line (the context holds no newline, so they are the next split line).
    expect(() => parseTrace(unsealedEdit((l) => l.replace('the long context', 'the LONG context'), blobLine + 1), 'a.jsonl')).toThrow(/line 2, text: the raw bytes do not hash to sha256/);
    expect(() => parseTrace(unsealedEdit((l) => l.slice(1), blobLine + 1), 'a.jsonl')).toThrow(/line 2, bytes: says 360000 but no newline follows that many raw bytes/);
    expect(() => parseTrace(bad((l) => l.replace('"bytes":360000', '"bytes":359999'), blobLine), 'a.jsonl')).toThrow(/line 2, bytes: says 359999 but no newline follows/);
    expect(() => parseTrace(unsealedEdit(() => '', blobLine), 'a.jsonl')).toThrow(/not JSON/);
    expect(() => parseTrace(bad((l) => l.replace('"version":3', '"version":9'), 0), 'a.jsonl')).toThrow(/line 1, version: trace format version 9 is not supported/);
    expect(() => parseTrace('', 'a.jsonl')).toThrow(/the file is empty/);
    expect(() => parseTrace('{"hello":1}\n', 'a.jsonl')).toThrow(/line 1, format: not an rlmtree trace/);
    try {
      parseTrace(bad((l) => l.replace('"status":"ok"', '"status":"fine"')), 'a.jsonl');
    } catch (err) {
      expect(err).toBeInstanceOf(TraceFormatError);
      expect((err as TraceFormatError).line).toBe(stepLine + 1);
    }
  });

  it('reads a version 1 trace (no chain) with a note saying so, and appends to it in version 1', async () => {
    const path = tmp();
    const states = record(path, undefined, 2);
    const v1 = readFileSync(path, 'utf8').split('\n').filter((l) => l && !l.startsWith('{"kind":"end"')).map((l, i) => {
      const value = JSON.parse(unseal(l)!.content);
      if (i === 0) {
        value.version = 1;
        delete value.runId;
      }
      return JSON.stringify(value);
    });
    const old = tmp();
    writeFileSync(old, `${v1.slice(0, -1).join('\n')}\n`);
    const trace = await readTrace(old);
    expect(trace.header.version).toBe(1);
    expect(trace.warnings).toEqual([expect.stringMatching(/format version 1 carries no integrity chain, so edits, reordered or spliced lines in it cannot be detected/)]);
    expect(replay(trace)).toEqual(states.slice(0, -1));
    const { writer, states: loaded } = TraceWriter.append(old);
    const events = stepsOf()[5]!;
    writer.record({ state: reduceAll(loaded.at(-1)!, events), events }, loaded.at(-1));
    writer.close();
    const text = readFileSync(old, 'utf8');
    expect(text).not.toMatch(/"chain"|"kind":"end"/);
    expect(replay(await readTrace(old))).toEqual(states);
  });

  it('records interventions made on the stepped state, so replay folds them', async () => {
    const path = tmp();
    const s0 = createRun('q', 'ctx', { runId: 'r' });
    const w = TraceWriter.create(path, s0);
    const s0b = injectMessage(s0, 'root', 'Be brief.');
    const events: RunEvent[] = [replied('root', 'print(1)'), end];
    const s1 = reduceAll(s0b, events);
    w.record({ state: s1, events }, s0b);
    const s1b = cancelAgent(s1, 'root', 'stop');
    expect(() => w.record({ state: s1b, events: [] }, s1b)).not.toThrow(); // nothing to record
    w.close();
    const states = replay(await readTrace(path));
    expect(states[1]).toEqual(s1);
    expect(states[1]!.nodes.root!.messages.map((m) => m.content)).toContain('Be brief.');
    expect(s0.nodes.root!.messages.map((m) => m.content)).not.toContain('Be brief.');
  });

  it('refuses to record a step taken from an older state, and forkTrace/rewindTrace make new traces', async () => {
    const path = tmp();
    const states = record(path);
    const trace = await readTrace(path);
    const w = TraceWriter.append(path).writer;
    const events = stepsOf()[2]!;
    expect(() => w.record({ state: reduceAll(states[2]!, events), events }, states[2])).toThrow(/taken from step 2 but the trace is at step 6.*forkTrace/);
    w.close();

    const fork = forkTrace(trace, 3, { runId: 'run-2', path });
    const forkPath = tmp();
    const fw = TraceWriter.write(forkPath, fork);
    fw.close();
    const read = await readTrace(forkPath);
    expect(read.header.forkedFrom).toEqual({ runId: 'run-1', step: 3, path });
    const forked = replay(read);
    expect(forked).toHaveLength(4);
    expect(forked.map((s) => ({ ...s, runId: 'run-1' }))).toEqual(states.slice(0, 4));
    expect(forked.every((s) => s.runId === 'run-2')).toBe(true);
    expect(replay(rewindTrace(trace, 2))).toEqual(states.slice(0, 3));
    expect(() => rewindTrace(trace, 9)).toThrow(/step 9 is not in the trace \(steps 0\.\.6\)/);
  });

  it('ReplayLLM answers each agent from the record and names a changed prompt', async () => {
    const path = tmp();
    const states = record(path);
    const llm = new ReplayLLM(await readTrace(path));
    const first = await llm.complete({ messages: states[0]!.nodes.root!.messages });
    expect(first.text).toContain('print("x" * 9000)');
    const changed = [...states[2]!.nodes.root!.messages.slice(0, -1), { role: 'user' as const, content: 'Output of cell 0: something else' }];
    await expect(llm.complete({ messages: changed })).rejects.toThrow(/replay diverged: agent root, model call 1: message 3 differs: recorded user "Output of cell 0/);
    const second = await llm.complete({ messages: states[2]!.nodes.root!.messages });
    expect(second.text).toContain('print');
    expect(llm.remaining()).toEqual({ root: 1 });
  });

  it('keeps strings that look like blob references intact', async () => {
    const path = tmp();
    const odd = '\u0000blob:sha256:' + '0'.repeat(64);
    const s0 = createRun(odd, '\u0000\u0000tricky', { runId: 'r' });
    TraceWriter.create(path, s0).close();
    appendFileSync(path, '');
    expect((await readTrace(path)).header.initial).toEqual(s0);
  });
});
