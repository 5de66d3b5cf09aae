// An RLM as the AI SDK's model: `generateText({ model: rlmtreeModel(...) })` runs a whole agent
// tree over the prompt; the long text goes in `system` and becomes the agents' CONTEXT.
// Run: node examples/ai-sdk/generate-text.ts   (offline: a scripted model stands in for a real one)
import { readFile } from 'node:fs/promises';
import { rlmtreeModel } from '@rlmtree/ai-sdk';
import { parseScript, ScriptedLLM, type LLMClient } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { generateText } from 'ai';
import policy from '../speakers/policy.mjs';

/** Asks the Tiny Shakespeare question through `generateText`; `llm` drives the agents. */
export async function askWithGenerateText(llm: LLMClient) {
  const text = await readFile(new URL('../data/tinyshakespeare.txt', import.meta.url), 'utf8');
  const runtime = new SubprocessRuntime();
  try {
    return await generateText({
      model: rlmtreeModel({ llm, runtime }),
      system: text,
      prompt: 'Which speaker has the most speeches in this text, and how many?',
    });
  } finally {
    await runtime.close();
  }
}

if (import.meta.main) {
  const result = await askWithGenerateText(new ScriptedLLM(parseScript(policy, 'examples/speakers/policy.mjs')));
  console.log(result.text); // the answer
  console.log(result.usage); // the whole tree's tokens
  console.log(result.providerMetadata?.rlmtree); // run id, steps, agents, cost, model calls
}
