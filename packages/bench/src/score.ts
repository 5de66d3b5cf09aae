/**
 * Scorers: each takes the model's answer text and the gold answer and returns a score in [0, 1].
 * Answers from real models come with prose around them, so each scorer first extracts the part
 * it scores, in the way stated on each function.
 */
import { LABEL_NAMES, TREC_LABELS, type TrecLabel } from './corpus.ts';
import type { ScoreKind } from './task.ts';

/** Lower case, no surrounding quotes or final period, single spaces. */
export function normalize(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/^["'`]+|["'`.]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** 1 when the normalized answer equals the normalized gold, else 0. */
export function exactMatch(answer: string, gold: string): number {
  return normalize(answer) === normalize(gold) ? 1 : 0;
}

/**
 * S-NIAH: 1 when the 7-digit numbers in the answer are exactly the gold number (repeats allowed,
 * e.g. "The number is 1234567."), 0 when it is missing or another number is also given: exact
 * match on the extracted number, so listing every number seen cannot score.
 */
export function needleScore(answer: string, gold: string): number {
  const found = new Set(answer.match(/(?<!\d)\d{7}(?!\d)/g) ?? []);
  return found.size === 1 && found.has(gold.trim()) ? 1 : 0;
}

/**
 * The last number in the answer (commas as thousands separators allowed), or null. The last,
 * because models state the final figure after their working.
 */
export function lastNumber(answer: string): number | null {
  const all = answer.match(/-?\d[\d,]*(?:\.\d+)?/g);
  if (!all) return null;
  const n = Number(all[all.length - 1]!.replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
}

/**
 * OOLONG's numeric score, `0.75^|y - ŷ|` (Bertsch et al., OOLONG; used as is in Zhang, Kraska,
 * Khattab, "Recursive Language Models", arXiv 2512.24601): 1 for the exact count, 0.75 when one
 * off, ... ŷ is the last number in the answer; no number scores 0.
 */
export function numericScore(answer: string, gold: string): number {
  const y = Number(gold);
  const yHat = lastNumber(answer);
  if (yHat === null || !Number.isFinite(y)) return 0;
  return 0.75 ** Math.abs(y - yHat);
}

/**
 * The TREC label an answer names, by OOLONG name ("numeric value") or code ("NUM"), or null when
 * it names none or several.
 */
export function labelOf(answer: string): TrecLabel | null {
  const a = ` ${normalize(answer).replace(/[^a-z ]+/g, ' ')} `;
  const named = TREC_LABELS.filter((l) => a.includes(` ${LABEL_NAMES[l]} `) || a.includes(` ${l.toLowerCase()} `));
  // "description and abstract concept" contains no other label's name, so one match is unambiguous.
  return named.length === 1 ? named[0]! : null;
}

/** Exact match on the label named (see `labelOf`). */
export function labelScore(answer: string, gold: string): number {
  const a = labelOf(answer);
  return a !== null && a === labelOf(gold) ? 1 : 0;
}

/** The three answers of OOLONG's comparison questions. */
export const COMPARISONS = ['more common than', 'less common than', 'same frequency as'] as const;

/** Exact match on which of `COMPARISONS` the answer states (it must state exactly one). */
export function comparisonScore(answer: string, gold: string): number {
  const a = normalize(answer);
  const said = COMPARISONS.filter((c) => a.includes(c));
  return said.length === 1 && said[0] === normalize(gold) ? 1 : 0;
}

/** The pairs `(a, b)` of whole numbers in a text, each as `"lo,hi"` (order inside a pair ignored). */
export function parsePairs(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\(\s*(\d+)\s*,\s*(\d+)\s*\)/g)) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    if (a !== b) out.add(a < b ? `${a},${b}` : `${b},${a}`);
  }
  return out;
}

/**
 * OOLONG-Pairs' F1 over the set of pairs (as in the RLM paper): precision = correct / answered,
 * recall = correct / gold, F1 = 2PR / (P + R); 0 when nothing is correct; 1 when both are empty.
 */
export function pairF1(answer: string, gold: string): number {
  const said = parsePairs(answer);
  const want = parsePairs(gold);
  if (said.size === 0 && want.size === 0) return 1;
  let hit = 0;
  for (const p of said) if (want.has(p)) hit++;
  if (hit === 0) return 0;
  const precision = hit / said.size;
  const recall = hit / want.size;
  return (2 * precision * recall) / (precision + recall);
}

/** Scores `answer` against `gold` the way `kind` says. Result in [0, 1]. */
export function score(kind: ScoreKind, answer: string, gold: string): number {
  switch (kind) {
    case 'exact':
      return exactMatch(answer, gold);
    case 'needle':
      return needleScore(answer, gold);
    case 'numeric':
      return numericScore(answer, gold);
    case 'label':
      return labelScore(answer, gold);
    case 'comparison':
      return comparisonScore(answer, gold);
    case 'pairs_f1':
      return pairF1(answer, gold);
  }
}
