import { describe, expect, it } from 'vitest';
import { addUsage, zeroUsage } from './client.ts';
import { DEFAULT_PRICES, PriceTable, prices } from './pricing.ts';

describe('PriceTable', () => {
  const table = new PriceTable({
    m: { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5, cacheWritePerMTok: 2.5 },
    'm-mini': { inputPerMTok: 1, outputPerMTok: 4 },
  });

  it('prices a model by its longest matching prefix', () => {
    expect(table.get('m-mini-2025-01-01')?.inputPerMTok).toBe(1);
    expect(table.get('m-large')?.inputPerMTok).toBe(2);
    expect(table.get('other')).toBeUndefined();
  });

  it('charges uncached input, cache reads, cache writes and output each at their rate', () => {
    const usage = { inputTokens: 1_000_000, cachedTokens: 200_000, cacheWriteTokens: 100_000, outputTokens: 500_000 };
    // 700k uncached x $2 + 200k reads x $0.5 + 100k writes x $2.5 + 500k out x $8, per million
    expect(table.cost('m', usage)).toBeCloseTo(1.4 + 0.1 + 0.25 + 4, 10);
    // No cache prices: cached tokens cost as input.
    expect(table.cost('m-mini', { ...usage, cacheWriteTokens: 0 })).toBeCloseTo(1 + 2, 10);
    expect(table.cost('unknown', usage)).toBe(0);
  });

  it('can be extended and rejects nonsense prices with the model named', () => {
    const t = new PriceTable().set('local', { inputPerMTok: 0, outputPerMTok: 0.1 });
    expect(t.cost('local-7b', { inputTokens: 10, cachedTokens: 0, outputTokens: 1_000_000 })).toBeCloseTo(0.1, 10);
    expect(() => t.set('bad', { inputPerMTok: -1, outputPerMTok: 1 })).toThrow(/price of bad: inputPerMTok/);
  });

  it('the shared table starts from the cited defaults', () => {
    for (const model of Object.keys(DEFAULT_PRICES)) expect(prices.get(model)).toEqual(DEFAULT_PRICES[model]);
    expect(prices.get('gpt-5-mini-2025-08-07')).toEqual(DEFAULT_PRICES['gpt-5-mini']);
    expect(prices.get('claude-sonnet-4-5-20250929')).toEqual(DEFAULT_PRICES['claude-sonnet-4']);
  });
});

describe('addUsage with cache writes', () => {
  it('keeps the optional field absent when neither side has it, sums it otherwise', () => {
    expect(addUsage(zeroUsage(), zeroUsage())).not.toHaveProperty('cacheWriteTokens');
    expect(addUsage({ ...zeroUsage(), cacheWriteTokens: 3 }, { ...zeroUsage(), cacheWriteTokens: 4 }).cacheWriteTokens).toBe(7);
    expect(addUsage(zeroUsage(), { ...zeroUsage(), cacheWriteTokens: 4 }).cacheWriteTokens).toBe(4);
  });
});
