// AnthropicClient passes the LLM-client kit suite through the real `@anthropic-ai/sdk` against
// the fake Anthropic server: streaming, usage, abort, error kinds and the SDK's retries.
import { describeLLMClientConformance } from '@rlmtree/kit';
import { ScriptedLLM } from '@rlmtree/core';
import { AnthropicClient } from './client.ts';
import { startFakeAnthropic } from './testing/fake-server.ts';

describeLLMClientConformance('AnthropicClient', async (model) => {
  const server = await startFakeAnthropic({ reply: new ScriptedLLM(model) });
  return {
    client: new AnthropicClient({ model: 'claude-fake', baseURL: server.baseURL, apiKey: 'sk-ant-test', maxRetries: 2 }),
    capabilities: { streams: true, faults: true },
    fail: (faults) => {
      server.faults.splice(0, server.faults.length, ...faults.map((f) => ('malformed' in f ? { body: { id: 'msg_x', type: 'message', role: 'assistant', model: 'claude-fake', content: null } } : { status: f.status, headers: { 'retry-after-ms': '5' } })));
    },
    requests: () => server.requests.filter((r) => r.path === '/v1/messages').length,
    close: server.close,
  };
});
