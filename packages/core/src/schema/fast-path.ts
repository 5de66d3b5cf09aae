/**
 * Fast paths: a plain check that stands in for a zod schema on the common, valid values a run
 * validates on its way (issue 18).
 *
 * A fresh process's first run used to spend about half of its CPU in zod (measured on the built
 * dist, N = 10: 36 ms of CPU against 18.5 ms with its four validations skipped): building the
 * limit, prompt and `delegate` schemas and parsing once with zod's code still cold. Validation is
 * not skipped: a fast path accepts only values its schema accepts, returns exactly what the
 * schema's parse would (a new object, its keys in the schema's order, defaults filled), and
 * answers `undefined` for everything else, which then goes to the schema itself. So a bad value
 * still gets zod's error, word for word, and a value a fast path does not know (an unknown key,
 * an inherited property, `undefined` given for an optional key) is zod's to parse.
 * `fast-path.test.ts` checks every registered fast path against its schema on generated values.
 */
import type { z } from 'zod';

/**
 * A fast path for a schema: the value the schema's parse returns for `value`, or `undefined`
 * when the schema must decide (it may still accept `value`). Never returns a value the schema
 * rejects. Not for schemas whose parsed value can be `undefined`.
 */
export type FastPath<T> = (value: unknown) => T | undefined;

const paths = new WeakMap<object, FastPath<unknown>>();

/**
 * Registers `fast` as the fast path of `schema` (a lazy stand-in or a built schema; the key is
 * its identity) and returns `schema`. Called as a statement after the schema's type alias (an
 * initializer that names the fast path would make the schema's type refer to itself).
 */
export function withFastPath<S extends z.ZodType>(schema: S, fast: FastPath<z.output<S>>): S {
  paths.set(schema, fast);
  return schema;
}

/** The fast path registered for `schema`, if any (for tests). */
export function fastPathOf<S extends z.ZodType>(schema: S): FastPath<z.output<S>> | undefined {
  return paths.get(schema) as FastPath<z.output<S>> | undefined;
}

/**
 * `schema.safeParse(value)`, answered by the schema's fast path when it knows the value (see the
 * file comment); the same result either way.
 */
export function quickParse<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  const fast = paths.get(schema);
  if (fast) {
    const data = fast(value) as z.output<S> | undefined;
    if (data !== undefined) return { success: true, data };
  }
  return schema.safeParse(value);
}

/** True for an object made by `{}`, `Object.create(null)` or `JSON.parse` (no prototype to inherit keys from). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** True when every own key of `value` (symbols included) is one of `keys`. */
export function onlyKeys(value: object, keys: ReadonlySet<string>): boolean {
  for (const key of Reflect.ownKeys(value)) if (typeof key !== 'string' || !keys.has(key)) return false;
  return true;
}
