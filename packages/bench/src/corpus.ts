/**
 * The real text the generators draw from, shipped in `packages/bench/data/` (see SOURCES.md
 * there): the TREC question set and a Tiny Shakespeare slice. Read once, then cached.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** TREC's six coarse labels, by their code in the file. */
export const TREC_LABELS = ['ABBR', 'DESC', 'ENTY', 'HUM', 'LOC', 'NUM'] as const;
/** One TREC coarse label code. */
export type TrecLabel = (typeof TREC_LABELS)[number];

/**
 * The label names the OOLONG `trec_coarse` split shows models (Bertsch et al., "OOLONG:
 * Evaluating Long Context Reasoning and Aggregation Capabilities", arXiv 2511.02817).
 */
export const LABEL_NAMES: Readonly<Record<TrecLabel, string>> = {
  ABBR: 'abbreviation',
  DESC: 'description and abstract concept',
  ENTY: 'entity',
  HUM: 'human being',
  LOC: 'location',
  NUM: 'numeric value',
};

/** One TREC question and its coarse label. */
export interface TrecQuestion {
  text: string;
  label: TrecLabel;
}

/** The folder holding the package's data files. */
export const DATA_DIR = fileURLToPath(new URL('../data/', import.meta.url));

let trec: TrecQuestion[] | undefined;
let shakespeare: string | undefined;

/**
 * Parses TREC's `COARSE:fine text` lines.
 * @param source names the file in errors.
 * @throws Error naming the line when one is not in that shape or has an unknown label.
 */
export function parseTrec(text: string, source: string): TrecQuestion[] {
  const out: TrecQuestion[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^([A-Z]+):\S+ (.+)$/.exec(line);
    if (!m || !(TREC_LABELS as readonly string[]).includes(m[1]!)) {
      throw new Error(`${source}:${i + 1}: not a TREC line "COARSE:fine question": ${JSON.stringify(line.slice(0, 60))}`);
    }
    // Questions never hold "||" (the record separator) or newlines, so records stay one line each.
    out.push({ label: m[1] as TrecLabel, text: m[2]!.trim() });
  });
  return out;
}

/** The TREC questions (5,444; see data/SOURCES.md). */
export function trecQuestions(): readonly TrecQuestion[] {
  trec ??= parseTrec(readFileSync(`${DATA_DIR}trec_train_5500.label`, 'utf8'), 'data/trec_train_5500.label');
  return trec;
}

/** The Tiny Shakespeare slice (131,058 characters of plays, lines ending in `\n`). */
export function shakespeareSlice(): string {
  shakespeare ??= readFileSync(`${DATA_DIR}tinyshakespeare-slice.txt`, 'utf8');
  return shakespeare;
}

/**
 * Question text -> coarse label, for the scripted sub-model that stands in for a classifier.
 * TREC repeats some questions; every repeat carries the same coarse label in this copy.
 */
export function trecLabelOf(): ReadonlyMap<string, TrecLabel> {
  return new Map(trecQuestions().map((q) => [q.text, q.label]));
}
