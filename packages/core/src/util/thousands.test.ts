import { describe, expect, it } from 'vitest';
import { thousands } from './thousands.ts';

describe('thousands', () => {
  it('writes what toLocaleString("en-US") writes', () => {
    for (const x of [0, 7, 999, 1000, 1234, 99_999, 100_000, 1_234_567, 10_000_000, -1, -1234, -1_000_000, Number.MAX_SAFE_INTEGER, 2.5, 1234.5678, 1e21]) {
      expect(thousands(x)).toBe(x.toLocaleString('en-US'));
    }
  });
});
