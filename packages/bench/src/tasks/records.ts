/**
 * OOLONG-style records: TREC questions rendered one per line as
 * `Date: <Mon DD, YYYY> || User: <5-digit id> || Instance: <question>` with their labels hidden,
 * under a header naming the six labels (the format of OOLONG's `trec_coarse` contexts; Bertsch et
 * al., arXiv 2511.02817).
 */
import { LABEL_NAMES, TREC_LABELS, type TrecLabel } from '../corpus.ts';
import type { Rng } from '../rng.ts';

/** One rendered record and its hidden label. */
export interface LabelledRecord {
  /** Days since 1970-01-01 (UTC). */
  day: number;
  user: number;
  text: string;
  label: TrecLabel;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** 2022-01-01 as days since the epoch: the first day a record date can fall on. */
export const FIRST_DAY = Date.UTC(2022, 0, 1) / 86_400_000;
/** 2024-12-31 as days since the epoch: the last day a record date can fall on (see `FIRST_DAY`). */
export const LAST_DAY = Date.UTC(2024, 11, 31) / 86_400_000;

/** A day (days since the epoch) as `Mon DD, YYYY`, e.g. `Mar 07, 2023`. */
export function formatDay(day: number): string {
  const d = new Date(day * 86_400_000);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, '0')}, ${d.getUTCFullYear()}`;
}

/** One record as its context line (label hidden). */
export function renderRecord(r: LabelledRecord): string {
  return `Date: ${formatDay(r.day)} || User: ${r.user} || Instance: ${r.text}`;
}

/** The header line above the records: what they are and the labels they can take. */
export function recordsHeader(count: number): string {
  const names = TREC_LABELS.map((l) => `'${LABEL_NAMES[l]}'`).join(', ');
  return `The following lines contain ${count} general-knowledge questions, one per line, each with a date, a user id and the question (Instance). Each question can be labelled as one of: ${names}. The labels are not given.`;
}

/** The context: header, blank line, one record per line. */
export function renderContext(records: readonly LabelledRecord[]): string {
  return `${recordsHeader(records.length)}\n\n${records.map(renderRecord).join('\n')}\n`;
}

/** Characters a record line takes (with its newline); what sizes are filled with. */
export function recordChars(r: LabelledRecord): number {
  return renderRecord(r).length + 1;
}

/** `count` distinct 5-digit user ids. */
export function userIds(rng: Rng, count: number): number[] {
  const ids = new Set<number>();
  while (ids.size < count) ids.add(rng.int(10_000, 99_999));
  return [...ids];
}

/** A random day in the span. */
export function randomDay(rng: Rng): number {
  return rng.int(FIRST_DAY, LAST_DAY);
}

/**
 * How many users a context of about `lines` records has: about 8 records each, at least 12
 * (OOLONG's contexts have a few records per user; the figure is ours).
 */
export function userCount(lines: number): number {
  return Math.max(12, Math.round(lines / 8));
}
