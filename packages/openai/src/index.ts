/** `@rlmtree/openai`: `OpenAIClient`, core's `LLMClient` on the `openai` SDK (OpenAI and compatible servers). */
export { OpenAIClient, type OpenAIClientOptions } from './client.ts';
export { toLLMError } from './errors.ts';
