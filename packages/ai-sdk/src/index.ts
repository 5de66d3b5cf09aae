/**
 * @rlmtree/ai-sdk: rlmtree and the Vercel AI SDK, both directions.
 *
 * - `fromAISDK(model)`: any AI SDK language model as an rlmtree `LLMClient` (root model, sub-model).
 * - `rlmtreeModel({ llm, runtime, ... })`: an RLM as an AI SDK `LanguageModel` for `generateText`,
 *   `streamText`, `generateObject` and the rest.
 */
export { fromAISDK, type AISDKLanguageModel, type FromAISDKOptions } from './from-ai-sdk.ts';
export { rlmtreeModel, type RLMTreeModelOptions } from './rlmtree-model.ts';
export { toPrompt, fromPrompt } from './prompt.ts';
export { toLLMError } from './errors.ts';
