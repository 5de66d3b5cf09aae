/**
 * OOLONG-Pairs style (after the RLM paper's OOLONG-Pairs, Zhang, Kraska, Khattab, arXiv
 * 2512.24601): over OOLONG records, "list all pairs of user ids (lower id first, no duplicates)
 * where both users have at least one instance labelled X or Y", optionally only counting
 * instances dated on or before a cut-off. Scored by F1 over the set of pairs.
 *
 * The number of pairs grows with the square of the qualifying users, so the generator fixes
 * that number (6..16 users, at most 120 pairs) at every size: it places X/Y-labelled questions
 * only on the chosen users (1..3 each; with a cut-off, some decoy users get X/Y questions dated
 * after it) and fills the rest of the context with questions of the other four labels.
 */
import { LABEL_NAMES, TREC_LABELS, trecQuestions, type TrecLabel } from '../corpus.ts';
import { Rng } from '../rng.ts';
import type { Instance, TaskSpec } from '../task.ts';
import { formatDay, FIRST_DAY, LAST_DAY, recordChars, recordsHeader, renderContext, userCount, userIds, type LabelledRecord } from './records.ts';

/** Every pair `(a, b)` with a < b of the users that qualify, as text, one per line, sorted. */
export function pairsText(users: Iterable<number>): string {
  const ids = [...new Set(users)].sort((a, b) => a - b);
  const lines: string[] = [];
  for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) lines.push(`(${ids[i]}, ${ids[j]})`);
  return lines.join('\n');
}

/** Users with at least one record labelled one of `labels` dated on or before `cutoffDay` (null: any date). */
export function qualifyingUsers(records: readonly LabelledRecord[], labels: readonly TrecLabel[], cutoffDay: number | null): Set<number> {
  const out = new Set<number>();
  for (const r of records) if (labels.includes(r.label) && (cutoffDay === null || r.day <= cutoffDay)) out.add(r.user);
  return out;
}

/** The question for labels x, y and an optional cut-off day. */
export function pairsQuestion(x: TrecLabel, y: TrecLabel, cutoffDay: number | null): string {
  const when = cutoffDay === null ? '' : ` dated on or before ${formatDay(cutoffDay)}`;
  return `List all pairs of user IDs (no duplicate pairs, list the lower ID first) where both users have at least one instance with the label '${LABEL_NAMES[x]}' or '${LABEL_NAMES[y]}'${when}. Give one pair per line as (id1, id2).`;
}

/** One OOLONG-Pairs instance; `withCutoff` forces the cut-off variant on or off (default: drawn). */
export function makePairs(sizeTokens: number, seed: number, index = 0, withCutoff?: boolean): Instance {
  const rng = new Rng(seed);
  const [x, y] = rng.shuffle(TREC_LABELS) as [TrecLabel, TrecLabel];
  const cutoff = withCutoff ?? rng.int(0, 1) === 1;
  const cutoffDay = cutoff ? rng.int(FIRST_DAY + 200, LAST_DAY - 200) : null;
  const inXY = trecQuestions().filter((q) => q.label === x || q.label === y);
  const others = trecQuestions().filter((q) => q.label !== x && q.label !== y);
  const chars = sizeTokens * 4 - recordsHeader(99_999).length - 2;

  // Records of the qualifying users (and decoys) first, then filler records up to the size.
  const k = rng.int(6, 16);
  const decoys = cutoff ? rng.int(2, 6) : 0;
  const placed: LabelledRecord[] = [];
  const special = userIds(rng, k + decoys);
  special.forEach((user, i) => {
    const n = rng.int(1, 3);
    for (let j = 0; j < n; j++) {
      const q = rng.pick(inXY);
      // A qualifying user's first X/Y record is on or before the cut-off; a decoy's are all after.
      const day = cutoffDay === null ? rng.int(FIRST_DAY, LAST_DAY) : i < k && j === 0 ? rng.int(FIRST_DAY, cutoffDay) : i < k ? rng.int(FIRST_DAY, LAST_DAY) : rng.int(cutoffDay + 1, LAST_DAY);
      placed.push({ day, user, text: q.text, label: q.label });
    }
  });
  let used = placed.reduce((n, r) => n + recordChars(r), 0);
  const fill: LabelledRecord[] = [];
  for (;;) {
    const q = rng.pick(others);
    const r: LabelledRecord = { day: FIRST_DAY, user: 10_000, text: q.text, label: q.label };
    if (used + recordChars(r) > chars) break;
    used += recordChars(r);
    fill.push(r);
  }
  // Filler users: the special users plus fresh ones, so qualifying users also have other records.
  const pool = [...special, ...userIds(rng, userCount(fill.length + placed.length)).filter((u) => !special.includes(u))];
  for (const r of fill) {
    r.user = rng.pick(pool);
    r.day = rng.int(FIRST_DAY, LAST_DAY);
  }
  const records = rng.shuffle([...placed, ...fill]);
  const gold = pairsText(qualifyingUsers(records, [x, y], cutoffDay));
  return {
    id: `oolong-pairs-${sizeTokens}-${index}`,
    task: 'oolong-pairs',
    sizeTokens,
    seed,
    query: pairsQuestion(x, y, cutoffDay),
    context: renderContext(records),
    gold,
    scoreKind: 'pairs_f1',
    meta: { labels: [LABEL_NAMES[x], LABEL_NAMES[y]], cutoff: cutoffDay === null ? '' : formatDay(cutoffDay), qualifying: k, records: records.length },
  };
}

/** The OOLONG-Pairs task. */
export const oolongPairs: TaskSpec = {
  name: 'oolong-pairs',
  description: 'OOLONG-Pairs style: all pairs of users who both have a question labelled X or Y (optionally before a date); F1 over pairs',
  generate: (sizeTokens, seed, index) => makePairs(sizeTokens, seed, index),
};
