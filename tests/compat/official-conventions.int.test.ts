/**
 * The official RLM's REPL conventions: a scripted reply set written the way models prompted or
 * fine-tuned on it write (`context`, `llm_query_batched`, a final `FINAL_VAR(answer)` line) answers
 * the main job — the top speaker of Tiny Shakespeare — under the `compat` prompt; `FINAL`,
 * `FINAL_VAR` and `SHOW_VARS` also work in code, and `llm_query(..., max_tokens=...)` is accepted.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, ScriptedLLM, type CompletionRequest } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { countSpeeches, topSpeaker } from '../speakers.ts';

const TEXT = readFileSync(new URL('../../examples/data/tinyshakespeare.txt', import.meta.url), 'utf8');
const F = '```';

let runtime: SubprocessRuntime;
beforeAll(() => {
  runtime = new SubprocessRuntime({ interruptGraceMs: 1000 });
});
afterAll(async () => {
  await runtime.close();
});

/** The root's replies, in the official RLM's style. */
const ROOT = [
  `I'll start by examining the context to understand its structure.\n${F}repl\nprint(type(context), len(context))\nprint(context[:300])\n${F}`,
  `The context is a play: speeches are blocks that open with "NAME:". I will split it into parts and ask sub-LLMs to count the speeches per speaker in each part, then aggregate.\n${F}repl
import json, collections
blocks = context.split("\\n\\n")
parts = ["\\n\\n".join(blocks[i:i + 2000]) for i in range(0, len(blocks), 2000)]
replies = llm_query_batched([f"Count the speeches per speaker in this text. Reply with JSON {{name: count}} only.\\n\\n{p}" for p in parts])
total = collections.Counter()
for r in replies:
    total.update(json.loads(r))
best, n = total.most_common(1)[0]
answer = f"{best}: {n} speeches"
print(len(parts), answer)
${F}`,
  `The aggregation is done and the answer variable holds the result.\n\nFINAL_VAR(answer)`,
];

/** A sub-model that does what the root asked of each part (counts the speeches in it). */
function subModel(prompts: string[]) {
  return new ScriptedLLM((req: CompletionRequest) => {
    const prompt = req.messages.at(-1)!.content;
    prompts.push(prompt);
    const text = prompt.slice(prompt.indexOf('\n\n') + 2);
    return JSON.stringify(Object.fromEntries(countSpeeches(text)));
  });
}

describe("the official RLM's conventions", () => {
  it('a reply set using context, llm_query_batched and a final FINAL_VAR line answers the main job', async () => {
    const subPrompts: string[] = [];
    const seen: CompletionRequest[] = [];
    const llm = new ScriptedLLM((req, { turn }) => (seen.push(req), ROOT[turn]!));
    const engine = new Engine({ llm, subModel: subModel(subPrompts), runtime });
    const state = await engine.run('Which speaker has the most speeches in this text, and how many?', TEXT, { prompt: { variant: 'compat' } });
    await engine.close();
    const { speaker, speeches } = topSpeaker(TEXT);
    expect(state.nodes.root!.error).toBeNull();
    expect(state.nodes.root!.result).toBe(`${speaker}: ${speeches} speeches`);
    expect(subPrompts.length).toBeGreaterThan(1);
    // the compat prompt taught these names; the final line ran as done(answer) after nothing else
    expect(seen[0]!.messages[0]!.content).toMatch(/REPL variable context,[\s\S]*FINAL_VAR\(variable_name\)/);
    expect(state.nodes.root!.cells.at(-1)!.code).toBe('done(answer)');
  });

  it('FINAL, FINAL_VAR and SHOW_VARS in code; llm_query takes max_tokens; a missing FINAL_VAR name is told', async () => {
    const cells = [
      `${F}repl\nreply = llm_query("say hi", max_tokens=5)\nprint(sorted(SHOW_VARS()))\nFINAL_VAR("nope")\n${F}`,
      `${F}repl\nanswer = [reply, len(context)]\nFINAL_VAR("answer")\n${F}`,
    ];
    const llm = new ScriptedLLM((_req, { turn }) => cells[turn]!);
    const engine = new Engine({ llm, subModel: new ScriptedLLM(['hi']), runtime });
    const state = await engine.run('q', 'abc');
    await engine.close();
    const root = state.nodes.root!;
    expect(root.result).toEqual(['hi', 3]);
    expect(root.cells[0]!.output).toContain("['reply']");
    expect(root.cells[0]!.error?.message).toMatch(/FINAL_VAR: no variable named 'nope'/);
    const viaFinal = new Engine({ llm: new ScriptedLLM([`${F}repl\nFINAL(context.upper())\n${F}`]), runtime });
    expect((await viaFinal.run('q', 'abc')).nodes.root!.result).toBe('ABC');
    await viaFinal.close();
  });
});
