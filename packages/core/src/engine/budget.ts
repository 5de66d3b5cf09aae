/**
 * The tree-wide token and cost limits checked BEFORE a step's model calls are sent: each planned
 * call's input is estimated (`estimateTokens`, about 4 characters a token) and priced with the
 * price table; when the tree's usage so far plus the estimates (in agent-id order, the fold order)
 * would cross `maxTotalTokens` or `maxCostUsd`, the root ends with a `token_limit` / `cost_limit`
 * naming the call, and nothing is sent. Output tokens cannot be known before a reply, so a step can
 * still overshoot by its replies' output; `checkTreeLimits` then says by how much.
 */
import type { LLMClient } from '../llm/client.ts';
import { prices } from '../llm/pricing.ts';
import { estimateTokens } from '../llm/scripted.ts';
import { totalUsage } from '../limits.ts';
import type { Effect } from '../plan.ts';
import type { RunEvent } from '../schema/events.ts';
import type { AgentNode, RunState } from '../schema/state.ts';
import { nodeOf } from '../node-table.ts';

/** Estimated input tokens of a request made of `node`'s messages (characters / 4, rounded up, per message). */
export function estimateRequestTokens(node: Pick<AgentNode, 'messages'>): number {
  return node.messages.reduce((n, m) => n + estimateTokens(m.content), 0);
}

/**
 * The `agent_failed` event that stops the run before `effects` are sent, or null when their
 * estimated input fits the tree's token and cost limits. Pure but for reading the price table.
 * @param clientFor the client each agent's call goes to (its name prices the estimate).
 */
export function refuseOverLimit(state: RunState, effects: readonly Effect[], clientFor: (node: AgentNode) => LLMClient): RunEvent | null {
  const { maxTotalTokens, maxCostUsd } = state.limits;
  if (maxTotalTokens === null && maxCostUsd === null) return null;
  const used = totalUsage(state);
  let tokens = used.inputTokens + used.outputTokens;
  let cost = used.costUsd;
  for (const effect of effects) {
    if (effect.kind !== 'llm') continue;
    const node = nodeOf(state, effect.agentId)!;
    const estimate = estimateRequestTokens(node);
    const model = modelOf(clientFor(node));
    const estCost = model ? prices.cost(model, { inputTokens: estimate, outputTokens: 0, cachedTokens: 0 }) : 0;
    if (maxTotalTokens !== null && tokens + estimate > maxTotalTokens) {
      return stop(state, 'token_limit', `stopped before the model call of ${node.id}: its request of about ${estimate} tokens would take the tree from ${tokens} to about ${tokens + estimate} tokens, over the limit of ${maxTotalTokens}`);
    }
    if (maxCostUsd !== null && cost + estCost > maxCostUsd) {
      return stop(state, 'cost_limit', `stopped before the model call of ${node.id}: its request of about ${estimate} tokens would cost about $${estCost.toFixed(4)}, taking the tree from $${cost.toFixed(4)} over the limit of $${maxCostUsd}`);
    }
    tokens += estimate;
    cost += estCost;
  }
  return null;
}

function stop(state: RunState, kind: 'token_limit' | 'cost_limit', message: string): RunEvent {
  return { type: 'agent_failed', agentId: state.rootId, error: { kind, message } };
}

/** The model part of a client name such as `openai:gpt-5` (none for `scripted`). */
function modelOf(client: LLMClient): string | null {
  const name = client.name ?? '';
  const i = name.indexOf(':');
  return i > 0 ? name.slice(i + 1) : null;
}
