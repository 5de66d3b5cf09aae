/**
 * Reading a task's question back into its parameters, as a model reading the query would: the
 * scripted policies write code from these. Each parser returns null for a question it does not
 * recognise.
 */
import { LABEL_NAMES, TREC_LABELS, type TrecLabel } from '../corpus.ts';
import type { OolongQuestion } from '../tasks/oolong.ts';

/** The key an S-NIAH question asks about. */
export function parseNeedleQuery(query: string): { key: string } | null {
  const m = /special magic number for (\S+) mentioned/.exec(query);
  return m ? { key: m[1]! } : null;
}

function labelByName(name: string): TrecLabel {
  const l = TREC_LABELS.find((c) => LABEL_NAMES[c] === name);
  if (!l) throw new Error(`no TREC label is named ${JSON.stringify(name)}`);
  return l;
}

/** An aggregation question: its type and the labels it names. */
export interface OolongQuery {
  type: OolongQuestion;
  x: TrecLabel | null;
  y: TrecLabel | null;
}

/** Parses an OOLONG-style aggregation question. */
export function parseOolongQuery(query: string): OolongQuery | null {
  let m = /classified as label '([^']+)'/.exec(query);
  if (m) return { type: 'count', x: labelByName(m[1]!), y: null };
  m = /Is label '([^']+)' more common, less common, or the same frequency as label '([^']+)'/.exec(query);
  if (m) return { type: 'compare', x: labelByName(m[1]!), y: labelByName(m[2]!) };
  if (/label is the most common/.test(query)) return { type: 'most_common', x: null, y: null };
  if (/label is the least common/.test(query)) return { type: 'least_common', x: null, y: null };
  return null;
}

/** An OOLONG-Pairs question: its two labels and the cut-off date as written (`Mon DD, YYYY`), if any. */
export function parsePairsQuery(query: string): { x: TrecLabel; y: TrecLabel; cutoff: string | null } | null {
  const m = /at least one instance with the label '([^']+)' or '([^']+)'(?: dated on or before ([A-Z][a-z]{2} \d{2}, \d{4}))?\./.exec(query);
  return m ? { x: labelByName(m[1]!), y: labelByName(m[2]!), cutoff: m[3] ?? null } : null;
}
