/** Helpers for core's unit tests: events built with sensible defaults. Not exported from core. */
import type { CellRan, RunEvent } from '../schema/events.ts';
import type { Usage } from '../schema/state.ts';

/** A usage record for `n` calls with `tokens` input and output tokens each. */
export function usage(tokens = 10, n = 1): Usage {
  return { inputTokens: tokens * n, outputTokens: tokens * n, cachedTokens: 0, costUsd: 0.001 * n, llmCalls: n };
}

/** An `llm_replied` event whose text holds `code` in a ```repl block (none when null). */
export function replied(agentId: string, code: string | null, extra = ''): RunEvent {
  const text = code === null ? `I think the answer is 42.${extra}` : `Let me look.\n\`\`\`repl\n${code}\n\`\`\`${extra}`;
  return { type: 'llm_replied', agentId, text, usage: usage() };
}

/** A `cell_ran` event with defaults for everything but the outcome. */
export function ran(agentId: string, outcome: CellRan['outcome'], over: Partial<CellRan> = {}): CellRan {
  return { type: 'cell_ran', agentId, resumed: false, calls: [], output: '', outputChars: 0, delegated: [], outcome, ...over };
}
