/**
 * Summaries and tables of benchmark results: per size and system, the mean score, mean and p95
 * cost, tokens of the root vs sub-calls, model calls, depth, wall time, and the root prompt size
 * (the paper's property: flat for the RLM, linear in the context for the baseline).
 */
import { stringify } from 'csv-stringify/sync';
import { markdownTable } from 'markdown-table';
import { mean, quantile } from 'simple-statistics';
import type { InstanceResult, System } from './runner.ts';

/** The summary of one (size, system) group. Costs in USD, times in ms, tokens as reported. */
export interface Summary {
  sizeTokens: number;
  system: System;
  n: number;
  /** Mean score in [0, 1]. */
  score: number;
  costMean: number;
  /** 95th percentile of cost per instance (simple-statistics' `quantile`, R-7 interpolation). */
  costP95: number;
  rootTokens: number;
  subTokens: number;
  llmCalls: number;
  /** Deepest agent over the group. */
  depth: number;
  wallMs: number;
  rootPromptChars: number;
  rootPromptTokens: number;
  /** Mean characters of the base model's prompt with the whole context. */
  fullPromptChars: number;
  /** Mean fraction of the context in the prompt. */
  contextInPrompt: number;
  /** Runs that ended without an answer. */
  errors: number;
}

/** Groups results by size then system (RLM first) and summarizes each group. */
export function summarize(results: readonly InstanceResult[]): Summary[] {
  const groups = new Map<string, InstanceResult[]>();
  for (const r of results) {
    const key = `${r.sizeTokens}|${r.system}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: Summary[] = [];
  for (const rs of groups.values()) {
    const m = (f: (r: InstanceResult) => number) => mean(rs.map(f));
    out.push({
      sizeTokens: rs[0]!.sizeTokens,
      system: rs[0]!.system,
      n: rs.length,
      score: m((r) => r.score),
      costMean: m((r) => r.costUsd),
      costP95: quantile(rs.map((r) => r.costUsd), 0.95),
      rootTokens: m((r) => r.rootTokens),
      subTokens: m((r) => r.subTokens),
      llmCalls: m((r) => r.llmCalls),
      depth: Math.max(...rs.map((r) => r.depth)),
      wallMs: m((r) => r.wallMs),
      rootPromptChars: m((r) => r.rootPromptChars),
      rootPromptTokens: m((r) => r.rootPromptTokens),
      fullPromptChars: m((r) => r.fullPromptChars),
      contextInPrompt: m((r) => r.contextInPrompt),
      errors: rs.filter((r) => r.error !== null).length,
    });
  }
  return out.sort((a, b) => a.sizeTokens - b.sizeTokens || (a.system === 'rlm' ? -1 : 1));
}

/** A size in tokens as `2^k (N)` when it is a power of two, else `N`. */
export function sizeLabel(tokens: number): string {
  const k = Math.log2(tokens);
  return Number.isInteger(k) ? `2^${k} (${tokens.toLocaleString('en-US')})` : tokens.toLocaleString('en-US');
}

const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const usd = (x: number): string => `$${x.toFixed(4)}`;

/** One markdown table per size: a row per system with score, cost, tokens, calls, depth, wall time. */
export function sizeTables(summaries: readonly Summary[]): string {
  const sizes = [...new Set(summaries.map((s) => s.sizeTokens))];
  return sizes
    .map((size) => {
      const rows = summaries.filter((s) => s.sizeTokens === size);
      const table = markdownTable(
        [
          ['system', 'n', 'score', 'cost mean', 'cost p95', 'root tok', 'sub tok', 'LLM calls', 'depth', 'wall s', 'no answer'],
          ...rows.map((s) => [s.system, String(s.n), `${(s.score * 100).toFixed(1)}%`, usd(s.costMean), usd(s.costP95), int(s.rootTokens), int(s.subTokens), s.llmCalls.toFixed(1), String(s.depth), (s.wallMs / 1000).toFixed(2), String(s.errors)]),
        ],
        { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] },
      );
      return `context ${sizeLabel(size)} tokens\n${table}`;
    })
    .join('\n\n');
}

/**
 * The paper's property as a table: per size, the root model's largest prompt for the RLM and the
 * base model's prompt, in characters and estimated tokens, each with its ratio to the smallest
 * size's. The baseline columns are its prompt with the whole context, so they are there even
 * when the baseline was not run or was cut to its window; the last column is what it was sent.
 */
export function promptTable(summaries: readonly Summary[]): string {
  const rlm = summaries.filter((s) => s.system === 'rlm');
  const base = new Map(summaries.filter((s) => s.system === 'baseline').map((s) => [s.sizeTokens, s]));
  const first = rlm[0];
  const rows = rlm.map((s) => {
    const full = s.fullPromptChars;
    const sent = base.get(s.sizeTokens);
    return [
      sizeLabel(s.sizeTokens),
      int(s.rootPromptChars),
      int(s.rootPromptTokens),
      `${(s.rootPromptChars / first!.rootPromptChars).toFixed(2)}x`,
      int(full),
      int(Math.ceil(full / 4)),
      `${(full / first!.fullPromptChars).toFixed(2)}x`,
      sent ? `${int(sent.rootPromptTokens)} (${(sent.contextInPrompt * 100).toFixed(0)}% of context)` : 'not run',
    ];
  });
  return markdownTable(
    [['context', 'RLM root prompt chars', 'RLM root prompt tok', 'RLM ratio', 'baseline prompt chars', 'baseline prompt tok', 'baseline ratio', 'baseline sent tok'], ...rows],
    { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] },
  );
}

/** Columns of the CSV, in order (the `InstanceResult` fields). */
export const CSV_COLUMNS: (keyof InstanceResult)[] = [
  'task', 'sizeTokens', 'instance', 'system', 'score', 'costUsd', 'rootTokens', 'subTokens', 'llmCalls', 'depth', 'wallMs',
  'rootPromptChars', 'rootPromptTokens', 'fullPromptChars', 'contextChars', 'contextInPrompt', 'error', 'answer', 'gold',
];

/** Every result as CSV (RFC 4180, via csv-stringify), one row per run, with a header row. */
export function resultsCsv(results: readonly InstanceResult[]): string {
  return stringify(results.map((r) => CSV_COLUMNS.map((c) => r[c] ?? '')), { header: true, columns: CSV_COLUMNS as string[] });
}
