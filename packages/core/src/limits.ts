/** Default limits and the tree-wide limit check. */
import type { RunEvent } from './schema/events.ts';
import type { Limits, RunState, Usage } from './schema/state.ts';
import { addUsage, zeroUsage } from './schema/usage.ts';
import { allNodes } from './node-table.ts';

/**
 * Defaults: depth 2 (root, children, grandchildren), 20 model replies per agent, 120 s per cell,
 * 10,000 output characters shown, tree-wide limits and sub-call budgets off.
 */
export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxDepth: 2,
  maxIterations: 20,
  cellTimeoutMs: 120_000,
  maxOutputChars: 10_000,
  maxTotalTokens: null,
  maxCostUsd: null,
  maxWallClockMs: null,
  maxSubCalls: null,
  maxSubCallsPerAgent: null,
  maxSubCallTokens: null,
  maxSubCallInputChars: null,
});

/** Usage of the whole tree (every agent's own calls and sub-calls). Pure. */
export function totalUsage(state: RunState): Usage {
  let sum = zeroUsage();
  for (const node of allNodes(state)) sum = addUsage(sum, node.usage);
  return sum;
}

/**
 * The `agent_failed` event for the root when a tree-wide limit (total tokens, cost in USD, wall
 * clock in ms) has been reached, or null. Pure.
 */
export function checkTreeLimits(state: RunState): RunEvent | null {
  const { limits } = state;
  if (limits.maxTotalTokens === null && limits.maxCostUsd === null && limits.maxWallClockMs === null) return null;
  const usage = totalUsage(state);
  const fail = (kind: 'token_limit' | 'cost_limit' | 'wall_clock_limit', message: string): RunEvent => ({
    type: 'agent_failed',
    agentId: state.rootId,
    error: { kind, message },
  });
  const tokens = usage.inputTokens + usage.outputTokens;
  if (limits.maxTotalTokens !== null && tokens >= limits.maxTotalTokens) {
    const over = tokens - limits.maxTotalTokens;
    return fail('token_limit', `the tree used ${tokens} tokens, the limit is ${limits.maxTotalTokens}` + (over > 0 ? ` (${over} over: the last step's replies were larger than the estimate checked before sending them)` : ''));
  }
  if (limits.maxCostUsd !== null && usage.costUsd >= limits.maxCostUsd) {
    const over = usage.costUsd - limits.maxCostUsd;
    return fail('cost_limit', `the tree cost $${usage.costUsd.toFixed(4)}, the limit is $${limits.maxCostUsd}` + (over > 0 ? ` ($${over.toFixed(4)} over: the last step's calls cost more than the estimate checked before sending them)` : ''));
  }
  if (limits.maxWallClockMs !== null && state.elapsedMs >= limits.maxWallClockMs) {
    return fail('wall_clock_limit', `the run took ${Math.round(state.elapsedMs)} ms, the limit is ${limits.maxWallClockMs} ms`);
  }
  return null;
}
