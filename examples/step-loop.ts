// The README's step-loop example. Run: node examples/step-loop.ts
import { Engine, ScriptedLLM, renderTree, isFinished } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const runtime = new SubprocessRuntime();            // one python3 process per agent
const engine = new Engine({
  llm: new ScriptedLLM([                            // or new OpenAIClient(...), an RLM, ...
    '```repl\nprint(len(CONTEXT), CONTEXT[:40])\n```',
    '```repl\nh = delegate("half", "count the words", context=CONTEXT[:len(CONTEXT)//2])\n' +
      'r = yield wait(h)\ndone(r[0])\n```',
    '```repl\ndone(len(CONTEXT.split()))\n```',
  ]),
  runtime,
});

const states = [engine.init('How many words are in the first half?', 'the quick brown fox jumps over the lazy dog')];
while (!isFinished(states.at(-1)!)) {
  states.push(await engine.step(states.at(-1)!));   // a new frozen state; the old one is untouched
  console.log(`step ${states.at(-1)!.step}\n${renderTree(states.at(-1)!)}\n`);
}
console.log(states.at(-1)!.nodes.root!.result);     // 5
await engine.close();
await runtime.close();
