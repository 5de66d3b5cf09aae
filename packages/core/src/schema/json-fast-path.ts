/**
 * The fast paths of `JsonSchema` (`z.json()`, see `fast-path.ts`) and of host answers, and the JSON copy the protocol's
 * and host calls' fast paths use for their JSON fields (a cell's `result`, a call's `args`, a
 * sub-call's answer). Keep in step with zod's `z.json()`: `json-fast-path.test.ts` and
 * `runtime/protocol-fast-path.test.ts` fail when it takes a value zod refuses or copies it otherwise.
 */
import type { HostAnswer, Json } from './state.ts';

/** Returned by `copyJson` for a value it leaves to the schema (`undefined` is not JSON, but is a value here). */
export const NOT_JSON: unique symbol = Symbol('not taken');

/** Deeper JSON is left to zod (which recurses too; no stack is risked here). */
const MAX_DEPTH = 64;

/**
 * `z.json()`'s parse of `value`: the same value, its arrays and objects copied (zod builds new
 * ones), or `NOT_JSON` for what zod must decide (`number()` refuses NaN and ±Infinity). Objects: plain ones (`Object.prototype`) whose own
 * keys are all enumerable strings, none `__proto__` (zod's copy would set the prototype).
 * @param depth how deep `value` lies in the value being parsed (0 at its top)
 */
export function copyJson(value: unknown, depth: number): Json | typeof NOT_JSON {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : NOT_JSON;
    case 'object': {
      if (value === null) return null;
      if (depth >= MAX_DEPTH) return NOT_JSON;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_JSON;
        const out: Json[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) return NOT_JSON; // a hole
          const item = copyJson(value[i], depth + 1);
          if (item === NOT_JSON) return NOT_JSON;
          out[i] = item;
        }
        return out;
      }
      return copyJsonRecord(value, depth);
    }
    default:
      return NOT_JSON;
  }
}

/** `z.record(z.string(), z.json())`'s parse of `value`, or `NOT_JSON` (see `copyJson`). */
export function copyJsonRecord(value: unknown, depth: number): Record<string, Json> | typeof NOT_JSON {
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return NOT_JSON;
  const keys = Object.keys(value);
  if (Reflect.ownKeys(value).length !== keys.length) return NOT_JSON; // symbols or non-enumerable keys
  const out: Record<string, Json> = {};
  for (const key of keys) {
    if (key === '__proto__') return NOT_JSON;
    const item = copyJson((value as Record<string, unknown>)[key], depth + 1);
    if (item === NOT_JSON) return NOT_JSON;
    out[key] = item;
  }
  return out;
}

/** `JsonSchema`'s parse of `value` (a copy, see `copyJson`), or `undefined` for what zod must decide. */
export function jsonFastPath(value: unknown): Json | undefined {
  const out = copyJson(value, 0);
  return out === NOT_JSON ? undefined : out;
}

const OK_KEYS: ReadonlySet<string> = new Set(['ok', 'value']);
const FAILED_KEYS: ReadonlySet<string> = new Set(['ok', 'error', 'kind', 'reply']);

/** True when every own key of `value` (symbols included) is one of `keys`. */
const only = (value: object, keys: ReadonlySet<string>): boolean => Reflect.ownKeys(value).every((k) => typeof k === 'string' && keys.has(k));

/**
 * `HostAnswerSchema`'s parse of `value` (`{ok: true, value}` with a JSON value, or `{ok: false,
 * error, kind?, reply?}` with strings), a copy with the schema's key order; `undefined` for what
 * zod must decide (an unknown key, a key given as `undefined`, anything else).
 */
export function hostAnswerFastPath(value: unknown): HostAnswer | undefined {
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const v = value as Record<string, unknown>;
  if (v.ok === true) {
    if (!only(v, OK_KEYS) || !Object.hasOwn(v, 'value')) return undefined;
    const out = copyJson(v.value, 1);
    return out === NOT_JSON ? undefined : { ok: true, value: out };
  }
  if (v.ok !== false || !only(v, FAILED_KEYS) || typeof v.error !== 'string' || !Object.hasOwn(v, 'error')) return undefined;
  const out: { ok: false; error: string; kind?: string; reply?: string } = { ok: false, error: v.error };
  for (const key of ['kind', 'reply'] as const) {
    if (!Object.hasOwn(v, key)) continue;
    const s = v[key];
    if (typeof s !== 'string') return undefined;
    out[key] = s;
  }
  return out;
}

/** `z.array(HostAnswerSchema)`'s parse of `value` (`llm_query_batched`'s answer), or `undefined` (see `hostAnswerFastPath`). */
export function hostAnswersFastPath(value: unknown): HostAnswer[] | undefined {
  if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype) return undefined;
  const out: HostAnswer[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const answer = hostAnswerFastPath(value[i]); // a hole reads undefined: left to the schema
    if (answer === undefined) return undefined;
    out[i] = answer;
  }
  return out;
}
