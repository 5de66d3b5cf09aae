/** Usage between the AI SDK's provider specification and core's `Usage` (tokens; cost in USD). */
import type { LanguageModelV4Usage } from '@ai-sdk/provider';
import { zeroUsage, type PriceTable, type Usage } from '@rlmtree/core';

/**
 * A provider's usage as core's, priced with `prices` for `modelId` when the table knows it.
 * Accepts the nested shape of specification v3/v4 and the flat one of v2.
 */
export function usageFrom(u: unknown, modelId: string, prices: PriceTable): Usage {
  const usage = zeroUsage();
  usage.llmCalls = 1;
  if (!u || typeof u !== 'object') return usage;
  const any = u as Record<string, unknown>;
  if (typeof any.inputTokens === 'object' && any.inputTokens !== null) {
    const v4 = u as LanguageModelV4Usage;
    usage.inputTokens = v4.inputTokens.total ?? 0;
    usage.cachedTokens = v4.inputTokens.cacheRead ?? 0;
    if (v4.inputTokens.cacheWrite !== undefined) usage.cacheWriteTokens = v4.inputTokens.cacheWrite;
    usage.outputTokens = v4.outputTokens.total ?? 0;
  } else {
    usage.inputTokens = typeof any.inputTokens === 'number' ? any.inputTokens : 0;
    usage.outputTokens = typeof any.outputTokens === 'number' ? any.outputTokens : 0;
    usage.cachedTokens = typeof any.cachedInputTokens === 'number' ? any.cachedInputTokens : 0;
  }
  usage.costUsd = prices.cost(modelId, usage);
  return usage;
}

/** Core's usage (a whole agent tree's) in the provider specification's shape. */
export function usageTo(u: Usage): LanguageModelV4Usage {
  return {
    inputTokens: { total: u.inputTokens, noCache: u.inputTokens - u.cachedTokens, cacheRead: u.cachedTokens, cacheWrite: u.cacheWriteTokens },
    outputTokens: { total: u.outputTokens, text: u.outputTokens, reasoning: undefined },
    raw: { costUsd: u.costUsd, llmCalls: u.llmCalls },
  };
}
