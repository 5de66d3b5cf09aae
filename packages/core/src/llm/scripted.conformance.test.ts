// ScriptedLLM passes the LLM-client kit suite (no transport: no faults, one fragment per reply).
import { describeLLMClientConformance } from '@rlmtree/kit';
import { ScriptedLLM } from './scripted.ts';

describeLLMClientConformance('ScriptedLLM', (model) => ({
  client: new ScriptedLLM(model),
  capabilities: { streams: false, faults: false },
}));
