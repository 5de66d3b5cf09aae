/**
 * The scripted sub-model: answers the sub-calls and child agents of the scripted policies.
 * - classification prompts (`CLASSIFY_HEADER`): each question's TREC label, looked up in the
 *   TREC file: an oracle standing in for a model that classifies perfectly;
 * - needle prompts (`NEEDLE_HEADER`): the number the text between `<text>` tags states for the
 *   key, found by a regex, or NONE;
 * - child agents of the OOLONG-Pairs policy: code that labels their records and returns the
 *   matching `[user, date]` lists.
 * So with the scripted models a run scores 100% exactly when the machinery (splitting, sub-calls,
 * delegation, combining) is right.
 */
import { LLMError, type ScriptFunction } from '@rlmtree/core';
import { LABEL_NAMES, trecLabelOf } from '../corpus.ts';
import { CLASSIFY_HEADER, NEEDLE_HEADER, RECORDS_AND_CLASSIFY } from './python.ts';
import { queryOf } from './root.ts';

function classifyReply(prompt: string): string {
  const labels = trecLabelOf();
  const out: string[] = [];
  for (const line of prompt.split('\n').slice(1)) {
    const m = /^(\d+): (.*)$/.exec(line);
    if (!m) continue;
    const label = labels.get(m[2]!);
    out.push(`${m[1]}: ${label ? LABEL_NAMES[label] : 'unknown'}`);
  }
  return out.join('\n');
}

function needleReply(prompt: string): string {
  const key = /^Find the special magic number for (\S+) in the text below/.exec(prompt)?.[1];
  const text = /<text>\n([\s\S]*)\n<\/text>/.exec(prompt)?.[1] ?? '';
  if (!key) return 'NONE';
  const m = new RegExp(`special magic numbers? for ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is: (\\d{7})`).exec(text);
  return m ? m[1]! : 'NONE';
}

function pairsChildReply(query: string, turn: number): string {
  const m = /labelled '([^']+)' or '([^']+)'/.exec(query);
  if (!m) throw new LLMError('script', `scripted sub-model: cannot read the child query ${JSON.stringify(query.slice(0, 80))}`);
  if (turn > 0) throw new LLMError('script', 'scripted sub-model: the child cell did not finish; the script has no second turn');
  return `I will label the questions with batched sub-calls and keep the matching records.
\`\`\`repl
${RECORDS_AND_CLASSIFY}

recs = records(CONTEXT)
labels = classify([q for _, _, q in recs])
wanted = {${JSON.stringify(m[1])}, ${JSON.stringify(m[2])}}
found = [[user, date] for (date, user, _), label in zip(recs, labels) if label in wanted]
print(len(recs), "records,", len(found), "match")
done(found)
\`\`\``;
}

/**
 * The scripted sub-model's reply function (see the module comment).
 * @throws LLMError (kind `script`) for a prompt it was not written for.
 */
export const subModel: ScriptFunction = (request, { turn }) => {
  const isAgent = request.messages[0]?.role === 'system';
  if (isAgent) return pairsChildReply(queryOf(request.messages), turn);
  const prompt = request.messages[request.messages.length - 1]?.content ?? '';
  if (prompt.startsWith(CLASSIFY_HEADER)) return classifyReply(prompt);
  if (prompt.startsWith(NEEDLE_HEADER)) return needleReply(prompt);
  throw new LLMError('script', `scripted sub-model: no reply for the prompt ${JSON.stringify(prompt.slice(0, 80))}`);
};
