// OpenAIClient passes the LLM-client kit suite through the real `openai` SDK against the fake
// OpenAI server: streaming, usage, abort, error kinds and the SDK's retries.
import { describeLLMClientConformance } from '@rlmtree/kit';
import { ScriptedLLM } from '@rlmtree/core';
import { OpenAIClient } from './client.ts';
import { startFakeOpenAI } from './testing/fake-server.ts';

describeLLMClientConformance('OpenAIClient', async (model) => {
  const server = await startFakeOpenAI({ reply: new ScriptedLLM(model) });
  return {
    client: new OpenAIClient({ model: 'fake-model', baseURL: server.baseURL, apiKey: 'sk-test', maxRetries: 2 }),
    capabilities: { streams: true, faults: true },
    fail: (faults) => {
      server.faults.splice(0, server.faults.length, ...faults.map((f) => ('malformed' in f ? { body: { id: 'x', object: 'chat.completion', created: 0, model: 'fake-model', choices: [] } } : { status: f.status, headers: { 'retry-after-ms': '5' } })));
    },
    requests: () => server.requests.filter((r) => r.path === '/v1/chat/completions').length,
    close: server.close,
  };
});
