/** `@rlmtree/anthropic`: `AnthropicClient`, core's `LLMClient` on `@anthropic-ai/sdk`, with prompt caching. */
export { AnthropicClient, toAnthropicMessages, toLLMError, type AnthropicClientOptions } from './client.ts';
