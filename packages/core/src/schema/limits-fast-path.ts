/**
 * The fast path of `LimitsSchema` (see `fast-path.ts`): the limits of a new run, nearly always
 * the defaults with a few overrides, checked without building the schema. Keep in step with
 * `LimitsSchema` (`fast-path.test.ts` fails when this accepts a value the schema rejects).
 */
import type { Limits } from './state.ts';
import { isPlainObject, onlyKeys } from './fast-path.ts';

/** A number's rule: a whole number ≥ 0, a whole number > 0, or any finite number > 0. */
type Rule = 'count' | 'positiveInt' | 'positive';
/** Each key's rule, whether `null` is allowed and whether the key may be absent, in the schema's key order. */
const RULES: readonly (readonly [key: keyof Limits, rule: Rule, nullable: boolean, optional: boolean])[] = [
  ['maxDepth', 'count', false, false],
  ['maxIterations', 'positiveInt', false, false],
  ['cellTimeoutMs', 'positiveInt', false, false],
  ['maxOutputChars', 'positiveInt', false, false],
  ['maxTotalTokens', 'positiveInt', true, false],
  ['maxCostUsd', 'positive', true, false],
  ['maxWallClockMs', 'positiveInt', true, false],
  ['maxSubCalls', 'count', true, true],
  ['maxSubCallsPerAgent', 'positiveInt', true, true],
  ['maxSubCallTokens', 'positiveInt', true, true],
  ['maxSubCallInputChars', 'positiveInt', true, true],
];
const KEYS: ReadonlySet<string> = new Set(RULES.map(([key]) => key));

// zod's `int()` takes safe integers only, and `number()` refuses NaN and ±Infinity.
const fits = (rule: Rule, v: number): boolean => (rule === 'count' ? Number.isSafeInteger(v) && v >= 0 : rule === 'positiveInt' ? Number.isSafeInteger(v) && v > 0 : Number.isFinite(v) && v > 0);

/** `LimitsSchema`'s parse of `value` when every key is known and valid, else `undefined`. */
export function limitsFastPath(value: unknown): Limits | undefined {
  if (!isPlainObject(value) || !onlyKeys(value, KEYS)) return undefined;
  const out: Record<string, number | null> = {};
  for (const [key, rule, nullable, optional] of RULES) {
    if (!Object.hasOwn(value, key)) {
      if (optional) continue;
      return undefined;
    }
    const v = value[key];
    if (v === null && nullable) out[key] = null;
    else if (typeof v === 'number' && fits(rule, v)) out[key] = v;
    else return undefined;
  }
  return out as Limits;
}
