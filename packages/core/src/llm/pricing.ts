/**
 * Model prices and the cost of a call. Clients look up their model here and put the cost (USD)
 * into `Usage.costUsd`; the engine sums it per agent and for the whole tree.
 */
import type { Usage } from '../schema/state.ts';

/** What a model costs, in USD per million tokens (MTok). */
export interface ModelPrice {
  /** Uncached input tokens. */
  inputPerMTok: number;
  /** Output tokens (reasoning tokens included: providers bill them as output). */
  outputPerMTok: number;
  /** Input tokens read from the provider's prompt cache (default: `inputPerMTok`). */
  cachedInputPerMTok?: number;
  /** Input tokens written to the prompt cache, Anthropic's 5-minute writes (default: `inputPerMTok`). */
  cacheWritePerMTok?: number;
}

/**
 * Built-in prices, USD per million tokens, keyed by model-name prefix. Transcribed on 2026-11-21
 * from the providers' published pricing pages: OpenAI, https://developers.openai.com/api/docs/pricing
 * (standard tier, not batch or priority); Anthropic, https://platform.claude.com/docs/en/about-claude/pricing
 * (cache writes at the 5-minute rate, 1.25x input; cache hits 0.1x input). Prices change: check
 * those pages and override with `prices.set(...)` before relying on a cost limit.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  // OpenAI
  'gpt-5': { inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, cachedInputPerMTok: 0.025, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, cachedInputPerMTok: 0.005, outputPerMTok: 0.4 },
  'gpt-4.1': { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, cachedInputPerMTok: 0.1, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, cachedInputPerMTok: 0.025, outputPerMTok: 0.4 },
  'gpt-4o': { inputPerMTok: 2.5, cachedInputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, cachedInputPerMTok: 0.075, outputPerMTok: 0.6 },
  o3: { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 },
  'o4-mini': { inputPerMTok: 1.1, cachedInputPerMTok: 0.275, outputPerMTok: 4.4 },
  // Anthropic
  'claude-opus-4-5': { inputPerMTok: 5, cacheWritePerMTok: 6.25, cachedInputPerMTok: 0.5, outputPerMTok: 25 },
  'claude-opus-4-1': { inputPerMTok: 15, cacheWritePerMTok: 18.75, cachedInputPerMTok: 1.5, outputPerMTok: 75 },
  'claude-opus-4-0': { inputPerMTok: 15, cacheWritePerMTok: 18.75, cachedInputPerMTok: 1.5, outputPerMTok: 75 },
  'claude-sonnet-4': { inputPerMTok: 3, cacheWritePerMTok: 3.75, cachedInputPerMTok: 0.3, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, cacheWritePerMTok: 1.25, cachedInputPerMTok: 0.1, outputPerMTok: 5 },
  'claude-3-5-haiku': { inputPerMTok: 0.8, cacheWritePerMTok: 1, cachedInputPerMTok: 0.08, outputPerMTok: 4 },
});

/**
 * A price table: model-name prefixes to prices. A model takes the price of the longest key that
 * is a prefix of its name, so `gpt-5-mini-2025-08-07` is priced as `gpt-5-mini`, not `gpt-5`.
 */
export class PriceTable {
  private readonly entries = new Map<string, ModelPrice>();

  /** @param prices initial entries (default none; the shared table `prices` starts from `DEFAULT_PRICES`). */
  constructor(prices: Readonly<Record<string, ModelPrice>> = {}) {
    for (const [model, price] of Object.entries(prices)) this.set(model, price);
  }

  /**
   * Adds or replaces the price of a model (or of every model whose name starts with `model`).
   * @throws Error when a price is negative or not a finite number.
   */
  set(model: string, price: ModelPrice): this {
    for (const [field, value] of Object.entries(price)) {
      if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
        throw new Error(`price of ${model}: ${field} must be a non-negative number of USD per million tokens, got ${String(value)}`);
      }
    }
    this.entries.set(model, { ...price });
    return this;
  }

  /** The price for `model` (longest matching prefix), or undefined when unknown. */
  get(model: string): ModelPrice | undefined {
    let best: string | undefined;
    for (const key of this.entries.keys()) {
      if (model.startsWith(key) && (best === undefined || key.length > best.length)) best = key;
    }
    return best === undefined ? undefined : this.entries.get(best);
  }

  /**
   * The cost in USD of `usage` on `model`: uncached input, cache reads, cache writes and output
   * each at their rate. 0 when the model has no price (the `Usage` convention for unknown cost).
   */
  cost(model: string, usage: Pick<Usage, 'inputTokens' | 'outputTokens' | 'cachedTokens' | 'cacheWriteTokens'>): number {
    const price = this.get(model);
    if (!price) return 0;
    const writes = usage.cacheWriteTokens ?? 0;
    const uncached = Math.max(0, usage.inputTokens - usage.cachedTokens - writes);
    const micro =
      uncached * price.inputPerMTok +
      usage.cachedTokens * (price.cachedInputPerMTok ?? price.inputPerMTok) +
      writes * (price.cacheWritePerMTok ?? price.inputPerMTok) +
      usage.outputTokens * price.outputPerMTok;
    return micro / 1_000_000;
  }
}

/** The shared price table clients use by default; extend it with `prices.set(model, price)`. */
export const prices = new PriceTable(DEFAULT_PRICES);
