/**
 * Scripted root policies: for each task, the replies a model that solves it through code would
 * give. Turn 0 looks at CONTEXT; turn 1 splits it, hands the pieces to sub-calls
 * (`llm_query_batched`) or child agents (`delegate`), and combines their answers in code. The
 * policy reads the query (as a model would) to fill in the key or labels. These stand in for a
 * language model so that, without an API key, the benchmark measures the machinery.
 */
import { LLMError, type ScriptFunction } from '@rlmtree/core';
import { LABEL_NAMES } from '../corpus.ts';
import { COMPARISONS } from '../score.ts';
import { NEEDLE_CHUNK, NEEDLE_HEADER, RECORDS_AND_CLASSIFY } from './python.ts';
import { parseNeedleQuery, parseOolongQuery, parsePairsQuery } from './query.ts';

const LOOK = `Let me see the size and shape of the context first.
\`\`\`repl
print(type(CONTEXT).__name__, len(CONTEXT), "characters,", CONTEXT.count("\\n") + 1, "lines")
print(peek(600))
\`\`\``;

const block = (why: string, code: string): string => `${why}\n\`\`\`repl\n${code}\n\`\`\``;

/** The question of an agent's conversation: its first user message after `Query: `. */
export function queryOf(messages: readonly { role: string; content: string }[]): string {
  const first = messages.find((m) => m.role === 'user')?.content ?? '';
  const m = /^Query: ([\s\S]*?)\n\nCONTEXT is /.exec(first);
  return m ? m[1]! : first;
}

function needleSolve(query: string): string {
  const p = parseNeedleQuery(query);
  if (!p) throw new LLMError('script', `s-niah policy: not an S-NIAH question: ${query.slice(0, 80)}`);
  return block(
    'The text is long; I will cut it into overlapping chunks, ask a sub-model to look for the number in each, and keep what they find.',
    `import re
key = ${JSON.stringify(p.key)}
parts = chunk(${NEEDLE_CHUNK}, overlap=200)
prompts = [f"${NEEDLE_HEADER} {key} in the text below. Reply with the number only, or NONE if the text does not state it.\\n\\n<text>\\n{part}\\n</text>" for part in parts]
answers = llm_query_batched(prompts)
found = sorted({m for a in answers for m in re.findall(r"(?<!\\d)\\d{7}(?!\\d)", str(a))})
print(len(parts), "chunks; candidates:", found)
done(found[0] if len(found) == 1 else ("NOT FOUND" if not found else " or ".join(found)))`,
  );
}

function oolongSolve(query: string): string {
  const q = parseOolongQuery(query);
  if (!q) throw new LLMError('script', `oolong policy: not an aggregation question: ${query.slice(0, 80)}`);
  const x = q.x ? LABEL_NAMES[q.x] : '';
  const y = q.y ? LABEL_NAMES[q.y] : '';
  const answer = {
    count: `answer = str(counts[${JSON.stringify(x)}])`,
    most_common: 'answer = max(counts, key=counts.get)',
    least_common: 'answer = min(LABELS, key=lambda l: counts[l])',
    compare: `a, b = counts[${JSON.stringify(x)}], counts[${JSON.stringify(y)}]
answer = ${JSON.stringify(COMPARISONS[0])} if a > b else ${JSON.stringify(COMPARISONS[1])} if a < b else ${JSON.stringify(COMPARISONS[2])}`,
  }[q.type];
  return block(
    'Each line is a record whose label is hidden. I will have a sub-model label the questions in batches, then count in code.',
    `${RECORDS_AND_CLASSIFY}

LABELS = ${JSON.stringify(Object.values(LABEL_NAMES))}
recs = records(CONTEXT)
labels = classify([q for _, _, q in recs])
counts = Counter({l: 0 for l in LABELS})
counts.update(labels)
print(len(recs), "records;", dict(counts))
${answer}
done(answer)`,
  );
}

/** The query child agents of the OOLONG-Pairs policy get (the sub-model's policy parses it back). */
export function pairsChildQuery(x: string, y: string): string {
  return `Label every question in CONTEXT and return [user, date] for each record labelled '${x}' or '${y}'.`;
}

function pairsSolve(query: string): string {
  const q = parsePairsQuery(query);
  if (!q) throw new LLMError('script', `oolong-pairs policy: not a pairs question: ${query.slice(0, 80)}`);
  const cutoff = q.cutoff ? `datetime.strptime(${JSON.stringify(q.cutoff)}, "%b %d, %Y")` : 'None';
  return block(
    'I will split the records into parts, delegate one child per part to find the users with a matching record, then form the pairs in code.',
    `from datetime import datetime
lines = [l for l in CONTEXT.split("\\n") if l.startswith("Date: ")]
n_parts = max(2, min(8, len(lines) // 4000 + 1))
size = -(-len(lines) // n_parts)
handles = [
    delegate(f"part_{i}", ${JSON.stringify(pairsChildQuery(LABEL_NAMES[q.x], LABEL_NAMES[q.y]))}, context="\\n".join(lines[i * size:(i + 1) * size]))
    for i in range(n_parts)
]
results = yield wait(*handles)
cutoff = ${cutoff}
users = set()
for i, found in enumerate(results):
    if found is None or not isinstance(found, list):
        raise RuntimeError(f"part {i} failed: {found!r}")
    for user, date in found:
        if cutoff is None or datetime.strptime(date, "%b %d, %Y") <= cutoff:
            users.add(int(user))
ids = sorted(users)
pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]
print(len(lines), "records,", len(ids), "users qualify,", len(pairs), "pairs")
done("\\n".join(f"({a}, {b})" for a, b in pairs))`,
  );
}

/**
 * S-NIAH with no sub-calls (the RLM paper's "RLM (no sub-calls)" ablation, `maxSubCalls` 0): the
 * needle is found by a regex over CONTEXT in code. The other tasks need a sub-model to label text,
 * so they have no such reply and end with a structured `llm_error`.
 */
function needleSolveInCode(query: string): string {
  const p = parseNeedleQuery(query);
  if (!p) throw new LLMError('script', `s-niah policy: not an S-NIAH question: ${query.slice(0, 80)}`);
  return block(
    'There are no sub-calls in this run, so I will search the text for the sentence with code.',
    `import re
key = ${JSON.stringify(p.key)}
found = sorted(set(re.findall(r"magic numbers? for " + re.escape(key) + r" is:? (\\d{7})(?!\\d)", CONTEXT)))
print("candidates:", found)
done(found[0] if len(found) == 1 else ("NOT FOUND" if not found else " or ".join(found)))`,
  );
}

const SOLVERS: Record<string, (query: string) => string> = { 's-niah': needleSolve, oolong: oolongSolve, 'oolong-pairs': pairsSolve };
const CODE_ONLY_SOLVERS: Record<string, (query: string) => string> = { 's-niah': needleSolveInCode };

/** True when the agent's system prompt says the run has no sub-calls (`maxSubCalls` 0). */
function noSubCalls(messages: readonly { role: string; content: string }[]): boolean {
  return messages.some((m) => m.role === 'system' && m.content.includes('There are no sub-calls in this run'));
}

/**
 * The scripted root model of `task`: turn 0 looks, turn 1 solves.
 * @throws Error for an unknown task. The returned function throws `LLMError` (kind `script`) on a
 * third turn or a query it cannot read, which ends the agent with `llm_error`, never a guess.
 */
export function rootPolicy(task: string): ScriptFunction {
  const solve = SOLVERS[task];
  if (!solve) throw new Error(`no scripted policy for task ${JSON.stringify(task)} (have: ${Object.keys(SOLVERS).join(', ')})`);
  return (request, { turn }) => {
    if (turn === 0) return LOOK;
    if (turn === 1 && noSubCalls(request.messages)) {
      const inCode = CODE_ONLY_SOLVERS[task];
      if (!inCode) throw new LLMError('script', `${task} policy: this task needs sub-calls to label text and the run has none (the no-sub-calls ablation)`);
      return inCode(queryOf(request.messages));
    }
    if (turn === 1) return solve(queryOf(request.messages));
    throw new LLMError('script', `${task} policy: the solving cell did not finish the run; the script has no turn ${turn}`);
  };
}
