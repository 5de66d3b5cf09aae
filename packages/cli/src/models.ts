/**
 * `--model <provider>:<rest>` (and `--sub-model`): built-ins in builtins.ts (`scripted:<file>`,
 * `openai:<model>`, `anthropic:<model>`), more from plugins.
 */
import type { LLMClient } from '@rlmtree/core';
import { fromRegistry, registry } from './plugins.ts';

/**
 * Turns a model spec into a client.
 * @throws CliError for an unknown provider or a spec a provider rejects.
 */
export function modelFromSpec(spec: string): Promise<LLMClient> {
  return fromRegistry(() => registry.provider(spec));
}
