/**
 * Fast paths (see `schema/fast-path.ts`) for the messages a REPL sends most: `ready`, `call`,
 * `cell_end`, `fatal`, and the fork server's `exited` (issue 18: the host parsed every one of
 * them with zod, built the ~15 protocol schemas on a run's first REPL, and spent ~0.5 ms of its
 * CPU per child of a 100-child fan-out there, measured with `node --cpu-prof` on the built dist).
 *
 * Each answers only for a message its schema accepts, with exactly what the schema's parse
 * returns (a new object, keys in the schema's order); anything else (an unknown key, a key given
 * as `undefined`, a value out of range, a `__proto__` key, a message of another type) is left to
 * zod, so a garbled or hostile message still gets zod's error, naming the field. Keep in step
 * with `protocol.ts`: `protocol-fast-path.test.ts` fails when one answers for a value its schema
 * rejects or answers differently.
 */
import { isPlainObject, onlyKeys } from '../schema/fast-path.ts';
import type { BoundName, CellError, Display, Json } from '../schema/state.ts';
import type { CallMessage, CellEndMessage, ExitedMessage, ReplMessage } from './protocol.ts';

/** Returned by `json` for a value it leaves to the schema (`undefined` is not JSON, but is a value here). */
const NO: unique symbol = Symbol('not taken');

/** Deeper JSON is left to zod (which recurses too; no stack is risked here). */
const MAX_DEPTH = 64;

// zod's `int()` takes safe integers only, and `number()` refuses NaN and ±Infinity.
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

/**
 * `z.json()`'s parse of `value`: the same value, its arrays and objects copied (zod builds new
 * ones), or `NO` for what zod must decide. Objects: plain ones (`Object.prototype`) whose own
 * keys are all enumerable strings, none `__proto__` (zod's copy would set the prototype).
 */
function json(value: unknown, depth: number): Json | typeof NO {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : NO;
    case 'object': {
      if (value === null) return null;
      if (depth >= MAX_DEPTH) return NO;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return NO;
        const out: Json[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) return NO; // a hole
          const item = json(value[i], depth + 1);
          if (item === NO) return NO;
          out[i] = item;
        }
        return out;
      }
      return jsonRecord(value, depth);
    }
    default:
      return NO;
  }
}

/** `z.record(z.string(), z.json())`'s parse of `value`, or `NO` (see `json`). */
function jsonRecord(value: unknown, depth: number): Record<string, Json> | typeof NO {
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return NO;
  const keys = Object.keys(value);
  if (Reflect.ownKeys(value).length !== keys.length) return NO; // symbols or non-enumerable keys
  const out: Record<string, Json> = {};
  for (const key of keys) {
    if (key === '__proto__') return NO;
    const item = json((value as Record<string, unknown>)[key], depth + 1);
    if (item === NO) return NO;
    out[key] = item;
  }
  return out;
}

/** An array of strings, copied, or undefined. */
function strings(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype) return undefined;
  const out: string[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const s: unknown = value[i];
    if (typeof s !== 'string' || !(i in value)) return undefined;
    out[i] = s;
  }
  return out;
}

/**
 * `value` copied as an object with exactly `keys` (every one a string), in that order, or
 * undefined: the parse of a `z.object` of `z.string()` fields (`CellErrorSchema`, `BoundNameSchema`,
 * `DisplaySchema`).
 */
function stringFields<T>(value: unknown, keys: readonly string[], keySet: ReadonlySet<string>): T | undefined {
  if (!isPlainObject(value) || !onlyKeys(value, keySet)) return undefined;
  const out: Record<string, string> = {};
  for (const key of keys) {
    const s = value[key];
    if (typeof s !== 'string' || !Object.hasOwn(value, key)) return undefined;
    out[key] = s;
  }
  return out as T;
}

/** An array of `stringFields` objects, copied, or undefined. */
function records<T>(value: unknown, keys: readonly string[], keySet: ReadonlySet<string>): T[] | undefined {
  if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype) return undefined;
  const out: T[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const item = stringFields<T>(value[i], keys, keySet);
    if (item === undefined) return undefined;
    out[i] = item;
  }
  return out;
}

const ERROR_KEYS = ['type', 'message', 'traceback'] as const;
const BOUND_KEYS = ['name', 'type', 'hash', 'repr'] as const;
const DISPLAY_KEYS = ['mime', 'data'] as const;
const ERROR_SET: ReadonlySet<string> = new Set(ERROR_KEYS);
const BOUND_SET: ReadonlySet<string> = new Set(BOUND_KEYS);
const DISPLAY_SET: ReadonlySet<string> = new Set(DISPLAY_KEYS);

const READY_KEYS: ReadonlySet<string> = new Set(['type', 'protocol', 'python', 'pid']);
const CALL_KEYS: ReadonlySet<string> = new Set(['type', 'id', 'name', 'args']);
const CELL_END_KEYS: ReadonlySet<string> = new Set(['type', 'cell', 'status', 'output', 'outputChars', 'result', 'awaiting', 'error', 'displays', 'bound']);
const FATAL_KEYS: ReadonlySet<string> = new Set(['type', 'message']);
const EXITED_KEYS: ReadonlySet<string> = new Set(['type', 'pid', 'code', 'signal']);
const STATUSES: ReadonlySet<string> = new Set(['suspended', 'ok', 'done', 'error', 'timeout']);
/** `HostCallNameSchema`'s pattern. */
const HOST_CALL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `value` has key `key` of its own and it is not `undefined` (zod keeps a key given as undefined; this leaves those to it). */
const given = (value: Record<string, unknown>, key: string): boolean => value[key] !== undefined && Object.hasOwn(value, key);

function ready(value: Record<string, unknown>): ReplMessage | undefined {
  const { protocol, python, pid } = value;
  if (typeof protocol !== 'number' || !Number.isFinite(protocol) || typeof python !== 'string') return undefined;
  if (!Object.hasOwn(value, 'protocol') || !Object.hasOwn(value, 'python')) return undefined;
  if (!given(value, 'pid')) return Object.hasOwn(value, 'pid') ? undefined : { type: 'ready', protocol, python };
  return isInt(pid) && pid > 0 ? { type: 'ready', protocol, python, pid } : undefined;
}

function call(value: Record<string, unknown>): CallMessage | undefined {
  const { id, name } = value;
  if (!isInt(id) || typeof name !== 'string' || !HOST_CALL_NAME.test(name) || !Object.hasOwn(value, 'id') || !Object.hasOwn(value, 'name')) return undefined;
  if (!Object.hasOwn(value, 'args')) return undefined;
  const args = jsonRecord(value.args, 1);
  return args === NO ? undefined : { type: 'call', id, name, args };
}

function cellEnd(value: Record<string, unknown>): CellEndMessage | undefined {
  const { cell, status, output, outputChars } = value;
  if (!isInt(cell) || typeof status !== 'string' || !STATUSES.has(status) || typeof output !== 'string' || !isInt(outputChars) || outputChars < 0) return undefined;
  if (!Object.hasOwn(value, 'cell') || !Object.hasOwn(value, 'status') || !Object.hasOwn(value, 'output') || !Object.hasOwn(value, 'outputChars')) return undefined;
  const out: Record<string, unknown> = { type: 'cell_end', cell, status, output, outputChars };
  // Optional keys in the schema's order; one present but undefined is zod's to parse.
  for (const key of ['result', 'awaiting', 'error', 'displays', 'bound'] as const) {
    if (!Object.hasOwn(value, key)) continue;
    const v = value[key];
    const parsed =
      v === undefined
        ? undefined
        : key === 'result'
          ? ((r) => (r === NO ? undefined : r))(json(v, 1))
          : key === 'awaiting'
            ? strings(v)
            : key === 'error'
              ? stringFields<CellError>(v, ERROR_KEYS, ERROR_SET)
              : key === 'displays'
                ? records<Display>(v, DISPLAY_KEYS, DISPLAY_SET)
                : records<BoundName>(v, BOUND_KEYS, BOUND_SET);
    if (parsed === undefined) return undefined;
    out[key] = parsed;
  }
  return out as CellEndMessage;
}

/**
 * `ReplMessageSchema`'s parse of `value` for a `ready`, `call`, `cell_end` or `fatal` message
 * whose every key is known and valid, else `undefined` (left to the schema).
 */
export function replMessageFastPath(value: unknown): ReplMessage | undefined {
  if (!isPlainObject(value) || !Object.hasOwn(value, 'type')) return undefined;
  switch (value.type) {
    case 'cell_end':
      return onlyKeys(value, CELL_END_KEYS) ? cellEnd(value) : undefined;
    case 'call':
      return onlyKeys(value, CALL_KEYS) ? call(value) : undefined;
    case 'ready':
      return onlyKeys(value, READY_KEYS) ? ready(value) : undefined;
    case 'fatal':
      return onlyKeys(value, FATAL_KEYS) && typeof value.message === 'string' && Object.hasOwn(value, 'message') ? { type: 'fatal', message: value.message } : undefined;
    default:
      return undefined;
  }
}

/** `ExitedMessageSchema`'s parse of `value` when every key is known and valid, else `undefined`. */
export function exitedMessageFastPath(value: unknown): ExitedMessage | undefined {
  if (!isPlainObject(value) || value.type !== 'exited' || !onlyKeys(value, EXITED_KEYS)) return undefined;
  const { pid, code, signal } = value;
  if (!isInt(pid) || pid <= 0 || !(code === null || isInt(code)) || !(signal === null || typeof signal === 'string')) return undefined;
  if (!Object.hasOwn(value, 'type') || !Object.hasOwn(value, 'pid') || !Object.hasOwn(value, 'code') || !Object.hasOwn(value, 'signal')) return undefined;
  return { type: 'exited', pid, code, signal };
}
