/**
 * Sub-call budgets, checked before a prompt is sent (issue 17; the budgets of pyrlm-runtime's
 * Policy and replm's `max_sub_calls` / `sub_call_max_input_chars`). One `SubCallLedger` is made per
 * step from the state at its start and shared by every cell of that step, so concurrent agents
 * draw on one tree-wide budget. A prompt is admitted when it fits every limit that is set:
 *
 * - `maxSubCallInputChars`: the prompt's length in characters;
 * - `maxSubCallsPerAgent` / `maxSubCalls`: prompts sent by the agent / by the tree (cache hits are
 *   free and not counted);
 * - `maxSubCallTokens`: the tree's sub-call tokens so far plus this prompt's estimated input
 *   (characters / 4) must stay within it;
 * - `maxTotalTokens`: the tree's tokens so far (every model call) plus the estimate likewise.
 *
 * Output tokens are only known after the reply, so the token budgets can be overshot by one
 * reply's output; the refusal message of the next prompt says by how much. Which of two
 * concurrent agents meets the refusal depends on timing, but both outcomes are recorded, so a
 * replay or a REPL rebuild is exact.
 */
import { estimateTokens } from '../llm/scripted.ts';
import type { AgentNode, Limits, RunState, Usage } from '../schema/state.ts';
import { subCallTotals } from '../summary.ts';
import { totalUsage } from '../limits.ts';

function totalTokens(u: Usage): number {
  return u.inputTokens + u.outputTokens;
}

/** The tree's sub-call counts at the start of a step, and what this step's cells have drawn since. */
export class SubCallLedger {
  private treeSent: number;
  private subCallTokens: number;
  private treeTokens: number;
  private readonly agentSent: Map<string, number>;
  private readonly limits: Limits;

  /** @param state the run at the start of the step (its recorded sub-calls and usage are counted). */
  constructor(state: RunState) {
    this.limits = state.limits;
    const totals = subCallTotals(state);
    this.treeSent = totals.sent;
    this.subCallTokens = totals.tokens;
    this.agentSent = totals.sentByAgent;
    this.treeTokens = totalTokens(totalUsage(state));
  }

  /**
   * The ledger of a step starting at `state`, or undefined when no limit a sub-call is checked
   * against is set (then nothing is counted: a step stays as cheap as before budgets existed).
   */
  static forStep(state: RunState): SubCallLedger | undefined {
    return SubCallLedger.active(state.limits) || state.limits.maxTotalTokens != null ? new SubCallLedger(state) : undefined;
  }

  /** True when any sub-call budget is set (the cell feedback then shows what is left). */
  static active(limits: Limits): boolean {
    return [limits.maxSubCalls, limits.maxSubCallsPerAgent, limits.maxSubCallTokens, limits.maxSubCallInputChars].some((v) => v !== null && v !== undefined);
  }

  /**
   * Admits one prompt of `node` (reserving its place and its estimated tokens), or says why not.
   * @returns null when admitted, else the refusal message (raised in Python as `SubCallBudgetError`).
   */
  admit(node: Pick<AgentNode, 'id'>, prompt: string): string | null {
    const l = this.limits;
    if (l.maxSubCallInputChars != null && prompt.length > l.maxSubCallInputChars) {
      return `sub-call refused: its prompt has ${prompt.length} characters, the limit for one sub-call is ${l.maxSubCallInputChars} (maxSubCallInputChars); cut it into pieces`;
    }
    const mine = this.agentSent.get(node.id) ?? 0;
    if (l.maxSubCallsPerAgent != null && mine >= l.maxSubCallsPerAgent) {
      return `sub-call refused: agent ${node.id} has sent ${mine} sub-calls, its budget is ${l.maxSubCallsPerAgent} (maxSubCallsPerAgent)`;
    }
    if (l.maxSubCalls != null && this.treeSent >= l.maxSubCalls) {
      return `sub-call refused: the run has sent ${this.treeSent} sub-calls, its budget is ${l.maxSubCalls} (maxSubCalls)`;
    }
    const estimate = estimateTokens(prompt);
    if (l.maxSubCallTokens != null && this.subCallTokens + estimate > l.maxSubCallTokens) {
      const over = this.subCallTokens > l.maxSubCallTokens ? ` (already ${this.subCallTokens - l.maxSubCallTokens} over by earlier replies' output)` : '';
      return `sub-call refused: the run's sub-calls have spent ${this.subCallTokens} tokens${over}; this prompt's about ${estimate} more would pass the budget of ${l.maxSubCallTokens} (maxSubCallTokens)`;
    }
    if (l.maxTotalTokens != null && this.treeTokens + estimate > l.maxTotalTokens) {
      return `sub-call refused: the run has spent ${this.treeTokens} tokens; this prompt's about ${estimate} more would pass the run's limit of ${l.maxTotalTokens} (maxTotalTokens)`;
    }
    this.agentSent.set(node.id, mine + 1);
    this.treeSent += 1;
    this.subCallTokens += estimate;
    this.treeTokens += estimate;
    return null;
  }

  /** Settles an admitted prompt: its estimate is replaced by what the reply really spent. */
  settle(prompt: string, usage: Usage): void {
    const estimate = estimateTokens(prompt);
    this.subCallTokens += totalTokens(usage) - estimate;
    this.treeTokens += totalTokens(usage) - estimate;
  }
}
