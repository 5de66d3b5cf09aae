// fromAISDK passes the LLM-client kit suite with a real AI SDK provider (@ai-sdk/openai, chat
// API) against the fake OpenAI server: streaming, usage, abort, error kinds and retries.
import { createOpenAI } from '@ai-sdk/openai';
import { describeLLMClientConformance } from '@rlmtree/kit';
import { ScriptedLLM } from '@rlmtree/core';
import { startFakeOpenAI } from '@rlmtree/openai/testing';
import { fromAISDK } from './from-ai-sdk.ts';

describeLLMClientConformance('fromAISDK (@ai-sdk/openai chat)', async (model) => {
  const server = await startFakeOpenAI({ reply: new ScriptedLLM(model) });
  const provider = createOpenAI({ baseURL: server.baseURL, apiKey: 'sk-test' });
  return {
    client: fromAISDK(provider.chat('fake-model'), { maxRetries: 2, retryDelayMs: 5 }),
    capabilities: { streams: true, faults: true },
    fail: (faults) => {
      server.faults.splice(0, server.faults.length, ...faults.map((f) => ('malformed' in f ? { body: { id: 'x', object: 'chat.completion', created: 0, model: 'fake-model', choices: [] } } : { status: f.status, headers: { 'retry-after-ms': '5' } })));
    },
    requests: () => server.requests.filter((r) => r.path === '/v1/chat/completions').length,
    close: server.close,
  };
});
