// The main job with an AI SDK model as the root model: any `@ai-sdk/*` provider (OpenAI, Google,
// Mistral, Groq, Bedrock, Ollama, …) plugs into an RLM through `fromAISDK`.
// Run: OPENAI_API_KEY=... node examples/ai-sdk/root-model.ts   (tests pass the AI SDK's mock model)
import { readFile } from 'node:fs/promises';
import { fromAISDK, type AISDKLanguageModel } from '@rlmtree/ai-sdk';
import { RLM } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

/** The main job's question over Tiny Shakespeare (its answer is checked against an independent count). */
export const QUESTION = 'Which speaker has the most speeches in this text, and how many?';

/** Answers the Tiny Shakespeare question with `model` as the root agent's (and every child's) model. */
export async function mostSpeeches(model: AISDKLanguageModel): Promise<string> {
  const text = await readFile(new URL('../data/tinyshakespeare.txt', import.meta.url), 'utf8');
  const runtime = new SubprocessRuntime();
  try {
    const rlm = new RLM({ llm: fromAISDK(model), runtime });
    const { answer } = await rlm.run(QUESTION, text);
    return answer;
  } finally {
    await runtime.close();
  }
}

if (import.meta.main) {
  const { openai } = await import('@ai-sdk/openai');
  console.log(await mostSpeeches(openai('gpt-5-mini')));
}
