import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastPathOf } from '../schema/fast-path.ts';
import { agrees, exact } from '../schema/fast-path-contract.ts';
import { ExitedMessageSchema, ListeningMessageSchema, parseMessage, parseReplMessage, ReplMessageSchema } from './protocol.ts';

/** Values a field may hold: valid ones of every field's type, near-misses, and junk. */
const scalar = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 7, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, Infinity, NaN, null, undefined, true, '', 'ok', 'done', 'suspended', 'error', 'timeout', 'nope', 'llm_query', '1bad', 'a-b'),
  fc.integer({ min: -3, max: 1000 }),
  fc.double(),
  fc.string(),
);
const jsonish = fc.oneof(
  { depthSize: 'small' },
  scalar,
  fc.jsonValue(),
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('a', 'b', '__proto__', 'constructor'), scalar, { maxKeys: 3 }),
  fc.constant([, 1]), // eslint-disable-line no-sparse-arrays
  fc.constant(Object.create(null) as object),
  fc.constant(new Date(0)),
);
const text = fc.oneof(fc.constantFrom('', 'x', 'ValueError'), fc.string());
const int = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER));
const strings = (keys: string[]) => fc.record(Object.fromEntries(keys.map((k) => [k, text])));
/** Valid messages of each common type, every optional key present or not. */
const validCellEnd = fc.record(
  {
    type: fc.constant('cell_end'),
    cell: int,
    status: fc.constantFrom('ok', 'done', 'error', 'suspended', 'timeout'),
    output: text,
    outputChars: int,
    result: fc.jsonValue({ maxDepth: 3 }),
    awaiting: fc.array(text, { maxLength: 3 }),
    error: strings(['type', 'message', 'traceback']),
    displays: fc.array(strings(['mime', 'data']), { maxLength: 2 }),
    bound: fc.array(strings(['name', 'type', 'hash', 'repr']), { maxLength: 3 }),
  },
  { requiredKeys: ['type', 'cell', 'status', 'output', 'outputChars'] },
);
const validCall = fc.record({
  type: fc.constant('call'),
  id: fc.oneof(int, fc.integer({ min: -5, max: 0 })),
  name: fc.constantFrom('llm_query', 'delegate', 'wait', '_x9', 'Tool_1'),
  args: fc.dictionary(fc.oneof(text, fc.constantFrom('__proto__', 'constructor')), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
});
const validReady = fc.record({ type: fc.constant('ready'), protocol: fc.oneof(int, fc.double({ noNaN: true, noDefaultInfinity: true })), python: text, pid: fc.integer({ min: 1, max: 1 << 22 }) }, { requiredKeys: ['type', 'protocol', 'python'] });
const validFatal = fc.record({ type: fc.constant('fatal'), message: text });
const validSnapshotFailed = fc.record({ type: fc.constant('snapshot_failed'), message: text });
const validSnapshotReady = fc.record({ type: fc.constant('snapshot_ready'), pid: fc.oneof(fc.integer({ min: 1, max: 1 << 22 }), fc.integer({ min: -3, max: 0 })) });
const validListening = fc.record({ type: fc.constant('listening'), pid: fc.integer({ min: 1, max: 1 << 22 }), preImportErrors: fc.array(fc.record({ module: text, error: text }), { maxLength: 2 }) }, { requiredKeys: ['type', 'pid'] });
const validExited = fc.record({ type: fc.constant('exited'), pid: fc.integer({ min: 1, max: 1 << 22 }), code: fc.oneof(fc.constant(null), fc.integer({ min: -255, max: 255 })), signal: fc.oneof(fc.constant(null), fc.constantFrom('SIGKILL', 'SIGTERM')) });

/** Values just past a field's bounds: what a fast path must not take. */
const NEAR_MISSES: unknown[] = [-1, -0, 0.5, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 1, undefined, null, '', 'ok ', [, 1], [1, undefined], { a: undefined }, { a: NaN }, 'x']; // eslint-disable-line no-sparse-arrays
const junkValue = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NEAR_MISSES) }, { weight: 2, arbitrary: jsonish });

/** A valid message, or one changed in one place: a key dropped, a key set to another value (a nested one too), a key added. */
const mutated = (valid: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(valid, fc.nat(12), fc.constantFrom('none', 'drop', 'set', 'add', 'nested'), junkValue).map(([msg, at, how, junk]) => {
    const out: Record<string, unknown> = { ...msg };
    const keys = Object.keys(out);
    const key = keys[at % keys.length]!;
    if (how === 'drop') delete out[key];
    else if (how === 'set') out[key] = junk;
    else if (how === 'add') out[at % 2 ? 'extra' : '__proto__'] = junk;
    else if (how === 'nested') {
      const inner = out[key];
      if (Array.isArray(inner) && inner.length > 0) out[key] = inner.map((x, i) => (i === at % inner.length ? (isObj(x) ? { ...x, [Object.keys(x)[0] ?? 'k']: junk } : junk) : x));
      else if (isObj(inner)) out[key] = { ...inner, [Object.keys(inner)[at % Math.max(1, Object.keys(inner).length)] ?? 'k']: junk };
    }
    return out;
  });
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const cellEnd = mutated(validCellEnd);
const call = mutated(validCall);
const ready = mutated(validReady);
const fatal = mutated(validFatal);
const snapshotFailed = mutated(validSnapshotFailed);
const snapshotReady = mutated(validSnapshotReady);
const exited = mutated(validExited);

describe('REPL message fast paths agree with their schemas', () => {
  it('cell_end, call, ready, fatal, snapshot_ready, snapshot_failed: generated messages, valid and not', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.oneof(cellEnd, call, ready, fatal, snapshotReady, snapshotFailed, jsonish), (value) => {
        if (fastPathOf(ReplMessageSchema)!(value) !== undefined) taken++;
        return agrees(ReplMessageSchema, value);
      }),
      { numRuns: 6000 },
    );
    expect(taken).toBeGreaterThan(1000); // the valid messages are generated often enough to test anything
  });

  it('every key of a valid message set to each value just past its bounds, and dropped', () => {
    for (const [schema, valid] of [[ReplMessageSchema, validCellEnd], [ReplMessageSchema, validCall], [ReplMessageSchema, validReady], [ReplMessageSchema, validFatal], [ReplMessageSchema, validSnapshotReady], [ReplMessageSchema, validSnapshotFailed], [ExitedMessageSchema, validExited], [ListeningMessageSchema, validListening]] as const) {
      fc.assert(
        fc.property(valid, (msg: Record<string, unknown>) => {
          for (const key of Object.keys(msg)) {
            for (const junk of NEAR_MISSES) agrees(schema, { ...msg, [key]: junk });
            const { [key]: _, ...dropped } = msg;
            agrees(schema, dropped);
          }
          return agrees(schema, msg);
        }),
        { numRuns: 150 },
      );
    }
  });

  it('exited: generated lines, valid and not', () => {
    fc.assert(fc.property(fc.oneof(exited, jsonish), (value) => agrees(ExitedMessageSchema, value)), { numRuns: 2000 });
  });

  it('the messages a prelude sends are taken by the fast path, as JSON.parse gives them', () => {
    const fast = fastPathOf(ReplMessageSchema)!;
    const sent = [
      '{"type": "ready", "protocol": 2, "python": "3.11.2", "pid": 4242}',
      '{"type": "call", "id": 1, "name": "llm_query", "args": {"prompt": "hi", "model": null, "opts": {"n": [1, 2.5, true]}}}',
      '{"type": "cell_end", "cell": 0, "status": "ok", "output": "2\\n", "outputChars": 2, "bound": [{"name": "a", "type": "int", "hash": "ab", "repr": "1"}]}',
      '{"type": "cell_end", "cell": 3, "status": "done", "output": "", "outputChars": 0, "result": {"answer": [1, "x", null]}}',
      '{"type": "cell_end", "cell": 1, "status": "suspended", "output": "", "outputChars": 0, "awaiting": ["root.c0", "root.c1"]}',
      '{"type": "cell_end", "cell": 2, "status": "error", "output": "", "outputChars": 0, "error": {"type": "ValueError", "message": "m", "traceback": "t"}}',
      '{"type": "fatal", "message": "boom"}',
      '{"type": "snapshot_ready", "pid": 4243}',
      '{"type": "snapshot_failed", "message": "fork failed: [Errno 11] Resource temporarily unavailable"}',
    ];
    for (const text of sent) {
      const value: unknown = JSON.parse(text);
      expect(fast(value), text).toBeDefined();
      expect(exact(parseReplMessage(text))).toBe(exact(ReplMessageSchema.parse(value)));
    }
    expect(fastPathOf(ExitedMessageSchema)!(JSON.parse('{"type": "exited", "pid": 7, "code": null, "signal": "SIGKILL"}'))).toEqual({ type: 'exited', pid: 7, code: null, signal: 'SIGKILL' });
  });

  it('a garbled or hostile message is still an error naming the field', () => {
    expect(() => parseReplMessage('{"type": "cell_end", "cell": 0, "status": "fine", "output": "", "outputChars": 0}')).toThrow(/protocol: bad message \(status: /);
    expect(() => parseReplMessage('{"type": "call", "id": 1, "name": "os.system", "args": {}}')).toThrow(/protocol: bad message \(name: a host call name is a Python identifier\)/);
    expect(() => parseReplMessage('{"type": "ready", "protocol": 2, "python": "3", "pid": -1}')).toThrow(/protocol: bad message \(pid: /);
    expect(() => parseReplMessage('{"type": "evil"}')).toThrow(/protocol: bad message/);
    expect(() => parseMessage(ExitedMessageSchema, '{"type": "exited", "pid": 0, "code": 1, "signal": null}')).toThrow(/protocol: bad message \(pid: /);
    // A `__proto__` key is zod's to copy (the fast path leaves it): it must not become a prototype.
    const parsed = parseReplMessage('{"type": "call", "id": 1, "name": "f", "args": {"__proto__": {"polluted": 1}}}');
    expect((parsed as { args: { polluted?: unknown } }).args.polluted).toBeUndefined();
  });
});
