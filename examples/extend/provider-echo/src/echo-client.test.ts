// The kit's LLM-client suite, run against the example provider.
import { describeLLMClientConformance } from '@rlmtree/kit';
import { EchoClient } from './echo-client.ts';

describeLLMClientConformance('example: EchoClient', (model) => ({
  client: new EchoClient('echo: ', model),
  capabilities: { streams: false, faults: false },
}));
