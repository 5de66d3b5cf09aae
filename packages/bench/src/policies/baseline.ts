/**
 * The scripted base model for `--baseline`: it gets the whole (possibly truncated) context in its
 * prompt, as a base model does, and answers from what it can see with the same oracle the
 * scripted sub-model uses (TREC labels looked up, needles found by regex). Its score therefore
 * falls only where truncation to the window hides part of the context; a real model's score also
 * reflects how well it reads a long prompt, which is what the paper's Table 1 measures.
 */
import { LLMError, type ScriptFunction } from '@rlmtree/core';
import { LABEL_NAMES, TREC_LABELS, trecLabelOf, type TrecLabel } from '../corpus.ts';
import { COMPARISONS } from '../score.ts';
import { pairsText } from '../tasks/oolong-pairs.ts';
import { parseNeedleQuery, parseOolongQuery, parsePairsQuery } from './query.ts';

/** The records visible in `text`: user, date as written, TREC label. */
function visibleRecords(text: string): { user: number; date: string; label: TrecLabel | undefined }[] {
  const labels = trecLabelOf();
  const out: { user: number; date: string; label: TrecLabel | undefined }[] = [];
  for (const m of text.matchAll(/^Date: (.+?) \|\| User: (\d+) \|\| Instance: (.*)$/gm)) {
    out.push({ date: m[1]!, user: Number(m[2]), label: labels.get(m[3]!) });
  }
  return out;
}

/** Splits a baseline prompt (see `baselinePrompt`) into context and question. */
function split(prompt: string): { context: string; question: string } {
  const at = prompt.lastIndexOf('\n\nQuestion: ');
  return at < 0 ? { context: prompt, question: '' } : { context: prompt.slice(0, at), question: prompt.slice(at + 12) };
}

/** The scripted base model's reply function. @throws LLMError (kind `script`) for a question of no known task. */
export const baselineModel: ScriptFunction = (request) => {
  const { context, question } = split(request.messages[request.messages.length - 1]?.content ?? '');
  const needle = parseNeedleQuery(question);
  if (needle) {
    const m = new RegExp(`special magic numbers? for ${needle.key} is: (\\d{7})`).exec(context);
    return m ? m[1]! : 'The text does not state it.';
  }
  const pairs = parsePairsQuery(question);
  if (pairs) {
    const cutoff = pairs.cutoff ? Date.parse(`${pairs.cutoff} UTC`) : null;
    const users = visibleRecords(context)
      .filter((r) => (r.label === pairs.x || r.label === pairs.y) && (cutoff === null || Date.parse(`${r.date} UTC`) <= cutoff))
      .map((r) => r.user);
    return pairsText(users);
  }
  const agg = parseOolongQuery(question);
  if (agg) {
    const counts = Object.fromEntries(TREC_LABELS.map((l) => [l, 0])) as Record<TrecLabel, number>;
    for (const r of visibleRecords(context)) if (r.label) counts[r.label]++;
    const byCount = [...TREC_LABELS].sort((a, b) => counts[b] - counts[a]);
    switch (agg.type) {
      case 'count':
        return String(counts[agg.x!]);
      case 'most_common':
        return LABEL_NAMES[byCount[0]!];
      case 'least_common':
        return LABEL_NAMES[byCount[5]!];
      case 'compare': {
        const [a, b] = [counts[agg.x!], counts[agg.y!]];
        return a > b ? COMPARISONS[0] : a < b ? COMPARISONS[1] : COMPARISONS[2];
      }
    }
  }
  throw new LLMError('script', `scripted base model: no task asks ${JSON.stringify(question.slice(0, 80))}`);
};
