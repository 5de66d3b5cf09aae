import { describe, expect, it } from 'vitest';
import { createRun, type Usage } from '@rlmtree/core';
import { usageLine, usageReport } from './usage-report.ts';

const u = (calls: number, cost: number, extra: Partial<Usage> = {}): Usage => ({ inputTokens: 1000 * calls, outputTokens: 10 * calls, cachedTokens: 0, costUsd: cost, llmCalls: calls, ...extra });

describe('usageReport', () => {
  it('lists agents that used a model in id order, then the whole tree', () => {
    const state = createRun('q', 'ctx');
    const root = state.nodes[state.rootId]!;
    const nodes = {
      [root.id]: { ...root, usage: u(2, 0.5) },
      'root.b': { ...root, id: 'root.b', usage: u(3, 0.25, { cachedTokens: 1500, cacheWriteTokens: 200 }) },
      'root.a': { ...root, id: 'root.a', usage: u(0, 0) },
    };
    const lines = usageReport({ ...state, nodes });
    expect(lines).toHaveLength(3); // root.a made no calls
    expect(lines[0]).toMatch(/^root\s+2 calls · 2,000 in · 20 out · \$0\.5000$/);
    expect(lines[1]).toMatch(/^root\.b\s+3 calls · 3,000 in \(1,500 cached, 200 cache writes\) · 30 out · \$0\.2500$/);
    expect(lines[2]).toMatch(/^total\s+5 calls · 5,000 in \(1,500 cached, 200 cache writes\) · 50 out · \$0\.7500$/);
  });

  it('formats one usage record', () => {
    expect(usageLine(u(1, 0.00012))).toBe('1 calls · 1,000 in · 10 out · $0.0001');
  });
});
