import { expect, it } from 'vitest';
import { baselinePrompt } from './baseline.ts';
import { parseSizes } from './sizes.ts';

it('parseSizes reads counts, k/m suffixes, powers and ranges of powers', () => {
  expect(parseSizes('8192, 16k,2^15')).toEqual([8192, 16384, 32768]);
  expect(parseSizes('2^13..2^16')).toEqual([8192, 16384, 32768, 65536]);
  expect(parseSizes('1m')).toEqual([1048576]);
});

it('parseSizes names what is wrong', () => {
  expect(() => parseSizes('8q')).toThrow(/size "8q" is not a token count/);
  expect(() => parseSizes('2^16..2^13')).toThrow(/goes backwards/);
  expect(() => parseSizes('10')).toThrow(/outside 64\.\.2\^24/);
});

it('baselinePrompt keeps a fitting context whole and cuts a long one in the middle to the window', () => {
  const ctx = `${'a'.repeat(50_000)}${'b'.repeat(50_000)}`;
  const whole = baselinePrompt(ctx, 'q?', 40_000);
  expect(whole.kept).toBe(1);
  expect(whole.prompt).toBe(`${ctx}\n\nQuestion: q?`);
  const cut = baselinePrompt(ctx, 'q?', 12_000); // (12,000 - 2,000) * 4 = 40,000 chars
  expect(cut.prompt.length).toBeLessThanOrEqual(40_000);
  expect(cut.prompt.length).toBeGreaterThan(39_800);
  expect(cut.prompt.startsWith('aaa')).toBe(true);
  expect(cut.prompt).toMatch(/b\n\nQuestion: q\?$/);
  expect(cut.prompt).toMatch(/characters of the context cut here/);
  expect(cut.kept).toBeCloseTo((cut.prompt.length - cut.prompt.match(/\n\[.*\]\n/)![0].length - 14) / ctx.length, 2);
  expect(cut.fullChars).toBe(ctx.length + 14);
  expect(() => baselinePrompt(ctx, 'q', 1000)).toThrow(/cannot hold the question/);
});
