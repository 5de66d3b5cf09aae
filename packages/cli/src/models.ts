/**
 * `--model <provider>:<rest>` (and `--sub-model`): built-ins in builtins.ts (`scripted:<file>`,
 * `openai:<model>`, `anthropic:<model>`), more from plugins.
 */
import type { LLMClient, ProviderOptions } from '@rlmtree/core';
import { CliError } from './errors.ts';
import { fromRegistry, registry } from './plugins.ts';

/**
 * Turns a model spec into a client; `options` (e.g. `--model-timeout`) go to the provider.
 * @throws CliError for an unknown provider or a spec a provider rejects.
 */
export function modelFromSpec(spec: string, options: ProviderOptions = {}): Promise<LLMClient> {
  return fromRegistry(() => registry.provider(spec, options));
}

/**
 * Parses `--model-timeout <seconds>` (a positive number) into ms.
 * @throws CliError naming the option.
 */
export function modelTimeoutOption(value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(seconds > 0)) throw new CliError(`--model-timeout takes a number of seconds > 0, got ${JSON.stringify(value)}`);
  return Math.round(seconds * 1000);
}

/** The option's help line (the same on every command that calls a model). */
export const MODEL_TIMEOUT_HELP = 'seconds one model HTTP attempt may take before it is retried (default 120; 2 retries)';
