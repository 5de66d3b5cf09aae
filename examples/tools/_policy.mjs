// A SCRIPTED policy (named with _ so --tools examples/tools does not load it as tools) for
// `rlmtree run --tools examples/tools -m scripted:examples/tools/_policy.mjs`: fixed replies standing in for a
// language model. The root splits the play at blank lines into four parts, counts each part with
// the host tool count_speeches (typed: a wrong argument would come back as a ToolError), merges the
// counts and ranks them with top_speakers.

const LOOK = `Let me see the tools and the size of the text.
\`\`\`repl
help(count_speeches)
print(len(CONTEXT), "characters")
\`\`\``;

const COUNT = `I will split at blank lines, count each part with the tool and merge.
\`\`\`repl
blocks = CONTEXT.split("\\n\\n")
step = len(blocks) // 4 + 1
parts = ["\\n\\n".join(blocks[i:i + step]) for i in range(0, len(blocks), step)]
totals = {}
for part in parts:
    for name, n in count_speeches(part).items():
        totals[name] = totals.get(name, 0) + n
best = top_speakers(totals, n=3)
print(best)
\`\`\``;

const DONE = `\`\`\`repl
name, count = best[0]
done(f"{name} has the most speeches: {count}")
\`\`\``;

export default { rules: [{ match: '^Query:', replies: [LOOK, COUNT, DONE] }] };
