/**
 * OOLONG-style aggregation over TREC (after Bertsch et al., arXiv 2511.02817, `trec_coarse`):
 * records with hidden labels, and a question whose answer needs every record's label: how many
 * have label X (scored `0.75^|y-ŷ|`), which label is most / least common, or whether X is more
 * common than Y (exact match).
 */
import { LABEL_NAMES, TREC_LABELS, trecQuestions, type TrecLabel } from '../corpus.ts';
import { Rng } from '../rng.ts';
import { COMPARISONS } from '../score.ts';
import type { Instance, TaskSpec } from '../task.ts';
import { randomDay, recordChars, recordsHeader, renderContext, userCount, userIds, type LabelledRecord } from './records.ts';

/** The question types of the aggregation task. */
export type OolongQuestion = 'count' | 'most_common' | 'least_common' | 'compare';

/** Counts of each label over the records. */
export function labelCounts(records: readonly { label: TrecLabel }[]): Record<TrecLabel, number> {
  const counts = Object.fromEntries(TREC_LABELS.map((l) => [l, 0])) as Record<TrecLabel, number>;
  for (const r of records) counts[r.label]++;
  return counts;
}

/**
 * Records filling about `chars` characters (header included): TREC questions drawn uniformly
 * with replacement (so labels keep TREC's mix), random users and days.
 */
export function sampleRecords(rng: Rng, chars: number): LabelledRecord[] {
  const pool = trecQuestions();
  const drawn: LabelledRecord[] = [];
  let n = recordsHeader(99_999).length + 2;
  for (;;) {
    const q = rng.pick(pool);
    const r = { day: 0, user: 0, text: q.text, label: q.label };
    if (n + recordChars({ ...r, user: 10_000, day: 0 }) > chars) break;
    n += recordChars({ ...r, user: 10_000, day: 0 });
    drawn.push(r);
  }
  // Every date is "Mon DD, YYYY" and every id 5 digits, so lengths did not depend on them.
  const users = userIds(rng, userCount(drawn.length));
  for (const r of drawn) {
    r.user = rng.pick(users);
    r.day = randomDay(rng);
  }
  return drawn;
}

/** The question and gold answer for `type` over `counts`, or null when the answer would be a tie. */
export function oolongQuestion(type: OolongQuestion, counts: Record<TrecLabel, number>, x: TrecLabel, y: TrecLabel): { query: string; gold: string; scoreKind: Instance['scoreKind'] } | null {
  const sorted = [...TREC_LABELS].sort((a, b) => counts[b] - counts[a]);
  switch (type) {
    case 'count':
      return {
        query: `How many of the questions should be classified as label '${LABEL_NAMES[x]}'? Give your final answer as a number.`,
        gold: String(counts[x]),
        scoreKind: 'numeric',
      };
    case 'most_common':
      if (counts[sorted[0]!] === counts[sorted[1]!]) return null;
      return { query: 'Which label is the most common among the questions? Answer with the label only.', gold: LABEL_NAMES[sorted[0]!], scoreKind: 'label' };
    case 'least_common':
      if (counts[sorted[5]!] === counts[sorted[4]!]) return null;
      return { query: 'Which label is the least common among the questions? Answer with the label only.', gold: LABEL_NAMES[sorted[5]!], scoreKind: 'label' };
    case 'compare': {
      const gold = counts[x] > counts[y] ? COMPARISONS[0] : counts[x] < counts[y] ? COMPARISONS[1] : COMPARISONS[2];
      return {
        query: `Is label '${LABEL_NAMES[x]}' more common, less common, or the same frequency as label '${LABEL_NAMES[y]}' among the questions? Answer with one of: ${COMPARISONS.join(', ')}.`,
        gold,
        scoreKind: 'comparison',
      };
    }
  }
}

const TYPES: OolongQuestion[] = ['count', 'most_common', 'least_common', 'compare'];

/** One aggregation instance; `type` forces the question type (default: drawn from the seed). */
export function makeOolong(sizeTokens: number, seed: number, index = 0, type?: OolongQuestion): Instance {
  const rng = new Rng(seed);
  const records = sampleRecords(rng, sizeTokens * 4);
  const counts = labelCounts(records);
  const [x, y] = rng.shuffle(TREC_LABELS) as [TrecLabel, TrecLabel];
  let chosen = type ?? rng.pick(TYPES);
  // A tie has no single right label; ask for a count instead.
  const q = oolongQuestion(chosen, counts, x, y) ?? oolongQuestion((chosen = 'count'), counts, x, y)!;
  return {
    id: `oolong-${sizeTokens}-${index}`,
    task: 'oolong',
    sizeTokens,
    seed,
    query: q.query,
    context: renderContext(records),
    gold: q.gold,
    scoreKind: q.scoreKind,
    meta: { question: chosen, label: LABEL_NAMES[x], other: LABEL_NAMES[y], records: records.length },
  };
}

/** The OOLONG-style aggregation task. */
export const oolong: TaskSpec = {
  name: 'oolong',
  description: "OOLONG-style aggregation over TREC questions with hidden labels: counts (0.75^|y-ŷ|), most/least common, comparisons",
  generate: (sizeTokens, seed, index) => makeOolong(sizeTokens, seed, index),
};
