// A SCRIPTED policy for the main-job example: fixed replies standing in for a language model,
// so the example runs with no API key. It follows what an RLM does: the root sizes up CONTEXT,
// splits it at speech boundaries, delegates one child per part and combines their counts; each
// child counts speeches with code. A speech is a line holding only a speaker name followed by
// ':' that starts a block (first line, or after a blank line).
//
// Replies are picked by rules: a regex on the agent's first user message (its query), and the
// turn (replies[0] for the first model call of that agent, replies[1] for the second, ...).

const ROOT_LOOK = `Let me size up the context first.
\`\`\`repl
print(type(CONTEXT).__name__, len(CONTEXT), "characters,", CONTEXT.count("\\n"), "lines")
print(peek(300))
\`\`\``;

const ROOT_SPLIT = `Speeches are blocks separated by blank lines. I will split at blank lines, delegate one part per child, and combine.
\`\`\`repl
n_parts = 4
target = len(CONTEXT) // n_parts
parts, start = [], 0
while start < len(CONTEXT):
    end = CONTEXT.find("\\n\\n", start + target)
    end = len(CONTEXT) if end == -1 or len(parts) == n_parts - 1 else end + 2
    parts.append(CONTEXT[start:end])
    start = end
print([len(p) for p in parts])
handles = [
    delegate(f"part_{i}", "Count the speeches of each speaker in CONTEXT. Return a dict speaker -> count.", context=part)
    for i, part in enumerate(parts)
]
results = yield wait(*handles)
totals = {}
for i, counts in enumerate(results):
    if not counts:
        raise RuntimeError(f"part {i} failed: {counts!r}")
    for speaker, n in counts.items():
        totals[speaker] = totals.get(speaker, 0) + n
best = max(totals, key=totals.get)
print(len(totals), "speakers in all; top 3:", sorted(totals.items(), key=lambda kv: -kv[1])[:3])
done(f"{best} has the most speeches: {totals[best]}")
\`\`\``;

const CHILD_COUNT = `\`\`\`repl
import re
from collections import Counter
lines = CONTEXT.split("\\n")
counts = Counter(
    line[:-1]
    for i, line in enumerate(lines)
    if re.fullmatch(r"[^\\s:][^:]*:", line) and (i == 0 or lines[i - 1].strip() == "")
)
print(len(counts), "speakers,", sum(counts.values()), "speeches")
done(dict(counts))
\`\`\``;

export default {
  rules: [
    { match: '^Query: Count the speeches', replies: [CHILD_COUNT] },
    { match: '^Query: ', replies: [ROOT_LOOK, ROOT_SPLIT] },
  ],
};
