import { describe, expect, it } from 'vitest';
import { createRun } from '../create.ts';
import { checkTreeLimits } from '../limits.ts';
import { plan } from '../plan.ts';
import { reduceAll } from '../reduce.ts';
import { ran, replied, usage } from '../testing/fixtures.ts';
import { estimateRequestTokens, refuseOverLimit } from './budget.ts';
import { prices } from '../llm/pricing.ts';

const scripted = () => ({ name: 'scripted', complete: async () => { throw new Error('not called'); } });

describe('limits checked before a model call is sent', () => {
  it('refuses the call whose estimated input would cross maxTotalTokens, naming the agent and the numbers', () => {
    const s0 = createRun('q', 'x'.repeat(100), { limits: { maxTotalTokens: 5000 } });
    const est = estimateRequestTokens(s0.nodes.root!);
    expect(est).toBeGreaterThan(10);
    expect(refuseOverLimit(s0, plan(s0), scripted)).toBeNull();
    // After a reply and a cell, usage is 20 tokens; a limit just under usage + the next estimate refuses.
    const s1 = reduceAll(s0, [replied('root', 'print(1)'), ran('root', { status: 'ok' })]);
    const used = 20;
    const next = estimateRequestTokens(s1.nodes.root!);
    const tight = reduceAll(s1, [{ type: 'intervened', action: 'set_limits', agentId: 'root', limits: { maxTotalTokens: used + next - 1 } }]);
    const refusal = refuseOverLimit(tight, plan(tight), scripted);
    expect(refusal).toMatchObject({ type: 'agent_failed', agentId: 'root', error: { kind: 'token_limit' } });
    expect(refusal && refusal.type === 'agent_failed' && refusal.error.message).toMatch(new RegExp(`before the model call of root: its request of about ${next} tokens would take the tree from ${used}`));
    const roomy = reduceAll(s1, [{ type: 'intervened', action: 'set_limits', agentId: 'root', limits: { maxTotalTokens: used + next } }]);
    expect(refuseOverLimit(roomy, plan(roomy), scripted)).toBeNull();
  });

  it('prices the estimate with the price table for maxCostUsd', () => {
    prices.set('test-priced-model', { inputPerMTok: 1_000_000, outputPerMTok: 0 });
    const s0 = createRun('q', 'c', { limits: { maxCostUsd: 1 } });
    const client = { name: 'openai:test-priced-model', complete: scripted().complete };
    const refusal = refuseOverLimit(s0, plan(s0), () => client);
    expect(refusal).toMatchObject({ error: { kind: 'cost_limit' } });
    expect(refuseOverLimit(s0, plan(s0), scripted)).toBeNull();
  });

  it('says how far a step overshot when its replies were larger than the estimate', () => {
    const s0 = createRun('q', 'c', { limits: { maxTotalTokens: 15 } });
    const s1 = reduceAll(s0, [{ type: 'llm_replied', agentId: 'root', text: '```repl\nprint(1)\n```', usage: usage(10) }]);
    const ev = checkTreeLimits(s1);
    expect(ev && ev.type === 'agent_failed' && ev.error.message).toMatch(/used 20 tokens, the limit is 15 \(5 over/);
  });
});
