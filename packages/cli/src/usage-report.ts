/** The usage and cost summary printed at the end of a run: one line per agent that used a model, then the tree's total. */
import { totalUsage, type RunState, type Usage } from '@rlmtree/core';

/** `12 calls · 48,210 in (30,100 cached, 1,200 cache writes) · 2,004 out · $0.0123`. */
export function usageLine(u: Usage): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const cache = [u.cachedTokens ? `${n(u.cachedTokens)} cached` : '', u.cacheWriteTokens ? `${n(u.cacheWriteTokens)} cache writes` : ''].filter(Boolean).join(', ');
  return `${n(u.llmCalls)} calls · ${n(u.inputTokens)} in${cache ? ` (${cache})` : ''} · ${n(u.outputTokens)} out · $${u.costUsd.toFixed(4)}`;
}

/**
 * Lines of the summary: agents in id order with their own calls and sub-calls (children not
 * included), then `total` for the whole tree. Costs are USD from the clients' price table
 * (0 for models with no price).
 */
export function usageReport(state: RunState): string[] {
  const agents = Object.values(state.nodes)
    .filter((node) => node.usage.llmCalls > 0)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const width = Math.max(5, ...agents.map((a) => a.id.length));
  return [...agents.map((a) => `${a.id.padEnd(width)}  ${usageLine(a.usage)}`), `${'total'.padEnd(width)}  ${usageLine(totalUsage(state))}`];
}
