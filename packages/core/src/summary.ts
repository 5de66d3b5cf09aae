/**
 * `runSummary(state)`: what a run did, in one small JSON object — the answer, model calls per
 * agent, sub-calls (sent, served from the cache, refused by a budget), tokens, cost, wall time and
 * the root REPL's variables. Pure: it reads only the state, so it works on any step of a live run,
 * a replayed trace or a checkpoint. The same object is printed by `rlmtree run --json` and sent
 * in `serve`'s usage extension.
 */
import { allNodes } from './node-table.ts';
import { totalUsage } from './limits.ts';
import type { AgentError, AgentNode, HostCall, Json, RunState, Usage } from './schema/state.ts';

/** Sub-call counts of one agent or of the whole tree. */
export interface SubCallCounts {
  /** Prompts sent to the sub-call model (one per `llm_query`, one per prompt of a batch). */
  sent: number;
  /** Prompts answered from the sub-call cache: free, and not counted against sub-call budgets. */
  cacheHits: number;
  /** Prompts a sub-call budget refused before they were sent. */
  refused: number;
}

/** One variable of a REPL as its last cell reported it (see `Cell.bound`). */
export interface VariableSummary {
  name: string;
  /** The Python type name, e.g. `DataFrame`, `dict`. */
  type: string;
  /** A short repr (at most about 80 characters), as the REPL reported it. */
  repr: string;
}

/** What a run did. Units: tokens, USD, ms. */
export interface RunSummary {
  runId: string;
  /** Steps taken. */
  step: number;
  /** True when the root agent has finished (with an answer or an error). */
  finished: boolean;
  /** The root's `done(...)` value, or null. */
  answer: Json;
  /** Why the root has no answer, or null. */
  error: AgentError | null;
  /** Agents in the tree. */
  agents: number;
  /** Model replies: the tree's total and per agent id. */
  iterations: { total: number; perAgent: Record<string, number> };
  /** Sub-calls of the whole tree. */
  subCalls: SubCallCounts;
  /** Tokens (input, output, cached), cost (USD) and model calls of the whole tree. */
  usage: Usage;
  /** Wall time spent inside steps (ms). */
  elapsedMs: number;
  /** The root REPL's variables (each name's latest report over its cells), when the runtime reported them; otherwise empty. */
  variables: VariableSummary[];
}

/** Is `call` a sub-call record (`llm_query` or `llm_query_batched`)? */
export function isSubCall(call: Pick<HostCall, 'name'>): boolean {
  return call.name === 'llm_query' || call.name === 'llm_query_batched';
}

/** Sub-call counts of one recorded host call: prompts sent to the sub-model, answered from the cache, refused by a budget. */
export function subCallCountsOf(call: HostCall): SubCallCounts {
  if (!isSubCall(call)) return { sent: 0, cacheHits: 0, refused: 0 };
  const prompts = call.name === 'llm_query' ? 1 : promptCount(call.args);
  const cacheHits = call.cacheHits ?? 0;
  const refused = call.refused ?? 0;
  return { sent: Math.max(0, prompts - cacheHits - refused), cacheHits, refused };
}

/** Sub-call counts of one agent's recorded cells. */
export function agentSubCalls(node: AgentNode): SubCallCounts {
  const sum: SubCallCounts = { sent: 0, cacheHits: 0, refused: 0 };
  for (const cell of node.cells) {
    for (const call of cell.calls) {
      const c = subCallCountsOf(call);
      sum.sent += c.sent;
      sum.cacheHits += c.cacheHits;
      sum.refused += c.refused;
    }
  }
  return sum;
}

/** The summary of `state` (see `RunSummary`). Pure. */
export function runSummary(state: RunState): RunSummary {
  const root = state.nodes[state.rootId];
  const perAgent: Record<string, number> = {};
  const subCalls: SubCallCounts = { sent: 0, cacheHits: 0, refused: 0 };
  let total = 0;
  for (const node of Object.values(state.nodes)) {
    perAgent[node.id] = node.iteration;
    total += node.iteration;
    const c = agentSubCalls(node);
    subCalls.sent += c.sent;
    subCalls.cacheHits += c.cacheHits;
    subCalls.refused += c.refused;
  }
  // Each cell reports the names it bound; the REPL's variables are the latest report of each name.
  const variables = new Map<string, VariableSummary>();
  for (const cell of root?.cells ?? []) for (const v of cell.bound ?? []) variables.set(v.name, { name: v.name, type: v.type, repr: v.repr });
  return {
    runId: state.runId,
    step: state.step,
    finished: root?.status === 'FINISHED',
    answer: root?.result ?? null,
    error: root?.error ?? null,
    agents: Object.keys(state.nodes).length,
    iterations: { total, perAgent },
    subCalls,
    usage: totalUsage(state),
    elapsedMs: state.elapsedMs,
    variables: [...variables.values()],
  };
}

function promptCount(args: Json): number {
  if (args && typeof args === 'object' && !Array.isArray(args)) {
    const prompts = (args as Record<string, Json>).prompts;
    if (Array.isArray(prompts)) return prompts.length;
    const count = (args as Record<string, Json>).count;
    if (typeof count === 'number') return count;
  }
  return 0;
}

/** Sub-call prompts sent and tokens spent, per agent id and for the whole tree, as the state records them. */
export interface SubCallTotals {
  /** Prompts sent to the sub-model by each agent (cache hits and refusals not counted). */
  sentByAgent: Map<string, number>;
  /** Prompts sent by the whole tree. */
  sent: number;
  /** Tokens (input + output) the tree's sub-calls spent. */
  tokens: number;
}

/** Counts the tree's recorded sub-calls: one pass over every agent's calls. Pure. */
export function subCallTotals(state: RunState): SubCallTotals {
  const sentByAgent = new Map<string, number>();
  let sent = 0;
  let tokens = 0;
  for (const n of allNodes(state)) {
    let mine = 0;
    for (const cell of n.cells) {
      for (const call of cell.calls) {
        if (!isSubCall(call)) continue;
        mine += subCallCountsOf(call).sent;
        tokens += call.usage ? call.usage.inputTokens + call.usage.outputTokens : 0;
      }
    }
    sentByAgent.set(n.id, mine);
    sent += mine;
  }
  return { sentByAgent, sent, tokens };
}

/**
 * Sub-call budgets left for `node` after what the state records (null: that budget is not set),
 * or undefined when no budget is set or sub-calls are off (`maxSubCalls` 0). Cost: one pass over
 * the tree's recorded calls, paid only when a budget is set. Pure.
 */
export function subCallBudgetLeft(state: RunState, node: AgentNode): { tree: number | null; agent: number | null; tokens: number | null } | undefined {
  const l = state.limits;
  // Called for every cell the reducer folds: no array made to ask whether any budget is set.
  if (l.maxSubCalls === 0 || (l.maxSubCalls == null && l.maxSubCallsPerAgent == null && l.maxSubCallTokens == null)) return undefined;
  const t = subCallTotals(state);
  return {
    tree: l.maxSubCalls != null ? Math.max(0, l.maxSubCalls - t.sent) : null,
    agent: l.maxSubCallsPerAgent != null ? Math.max(0, l.maxSubCallsPerAgent - (t.sentByAgent.get(node.id) ?? 0)) : null,
    tokens: l.maxSubCallTokens != null ? Math.max(0, l.maxSubCallTokens - t.tokens) : null,
  };
}
