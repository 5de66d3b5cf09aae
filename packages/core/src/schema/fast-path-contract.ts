/**
 * The contract every fast path is tested against (`schema/fast-path.ts`), shared by the tests of
 * the schema and protocol fast paths. Not exported from the package.
 */
import type { z } from 'zod';
import { fastPathOf } from './fast-path.ts';

/** A value's text with its key order, `undefined`, `-0` and non-finite numbers kept apart (toEqual ignores key order). */
export const exact = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (x === undefined ? '<undefined>' : Object.is(x, -0) ? '<-0>' : typeof x === 'number' && !Number.isFinite(x) ? `<${x}>` : x));

/**
 * Checks the contract of `schema`'s fast path on `value`: whenever it answers, the schema accepts
 * the value and parses it to exactly that (same keys in the same order); it never answers for a
 * value the schema rejects. Returns true (for fast-check properties).
 * @throws Error naming the value and both results when the fast path breaks the contract; a
 *   TypeError when `schema` has no fast path.
 */
export function agrees(schema: z.ZodType, value: unknown): boolean {
  const fast = fastPathOf(schema)!(value);
  if (fast === undefined) return true;
  const zod = schema.safeParse(value);
  if (!zod.success) throw new Error(`the fast path accepted ${exact(value)}, which the schema rejects: ${zod.error.issues[0]?.message}`);
  if (exact(fast) !== exact(zod.data)) throw new Error(`the fast path gave ${exact(fast)}, the schema ${exact(zod.data)}`);
  return true;
}
