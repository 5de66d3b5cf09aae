/**
 * Fast paths (see `schema/fast-path.ts`) for the messages a REPL sends: `ready`, `call`,
 * `cell_end`, `fatal`, `snapshot_ready`, `snapshot_failed` (a context server's or a live
 * snapshot's reply: without them a run over a big context loaded zod, ~150 ms of host CPU, for
 * one message), and the fork server's `listening` and `exited` (issue 18: the host parsed every one of
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
import { copyJson, copyJsonRecord, NOT_JSON } from '../schema/json-fast-path.ts';
import type { BoundName, CellError, Display } from '../schema/state.ts';
import type { CallMessage, CellEndMessage, ExitedMessage, ListeningMessage, ReplMessage } from './protocol.ts';

// zod's `int()` takes safe integers only.
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

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
/** Keys of `fatal` and `snapshot_failed`, which differ only in their type. */
const MESSAGE_KEYS: ReadonlySet<string> = new Set(['type', 'message']);
const SNAPSHOT_READY_KEYS: ReadonlySet<string> = new Set(['type', 'pid']);
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
  const args = copyJsonRecord(value.args, 1);
  return args === NOT_JSON ? undefined : { type: 'call', id, name, args };
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
          ? ((r) => (r === NOT_JSON ? undefined : r))(copyJson(v, 1))
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
 * `ReplMessageSchema`'s parse of `value` for a `ready`, `call`, `cell_end`, `fatal`,
 * `snapshot_ready` or `snapshot_failed` message whose every key is known and valid, else
 * `undefined` (left to the schema).
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
    case 'snapshot_failed':
      return onlyKeys(value, MESSAGE_KEYS) && typeof value.message === 'string' && Object.hasOwn(value, 'message') ? { type: value.type, message: value.message } : undefined;
    case 'snapshot_ready':
      return onlyKeys(value, SNAPSHOT_READY_KEYS) && isInt(value.pid) && value.pid > 0 && Object.hasOwn(value, 'pid') ? { type: 'snapshot_ready', pid: value.pid } : undefined;
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

const LISTENING_KEYS: ReadonlySet<string> = new Set(['type', 'pid', 'preImportErrors']);
const PRE_IMPORT_KEYS = ['module', 'error'] as const;
const PRE_IMPORT_SET: ReadonlySet<string> = new Set(PRE_IMPORT_KEYS);

/** `ListeningMessageSchema`'s parse of `value` (the fork server's first line) when every key is known and valid, else `undefined`. */
export function listeningMessageFastPath(value: unknown): ListeningMessage | undefined {
  if (!isPlainObject(value) || value.type !== 'listening' || !onlyKeys(value, LISTENING_KEYS) || !Object.hasOwn(value, 'type')) return undefined;
  const { pid } = value;
  if (!isInt(pid) || pid <= 0 || !Object.hasOwn(value, 'pid')) return undefined;
  if (!Object.hasOwn(value, 'preImportErrors')) return { type: 'listening', pid };
  const preImportErrors = records<{ module: string; error: string }>(value.preImportErrors, PRE_IMPORT_KEYS, PRE_IMPORT_SET);
  return preImportErrors && { type: 'listening', pid, preImportErrors };
}
