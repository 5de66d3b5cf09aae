/**
 * Model specs on the command line: `<provider>:<rest>`. `scripted:<file>` is built in; other
 * providers register a factory (`registerProvider`), e.g. `openai:<model>`, `anthropic:<model>`.
 */
import { pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseScript, ScriptedLLM, type LLMClient } from '@rlmtree/core';
import { CliError } from './errors.ts';

/** Makes a client from the part of the spec after `provider:`. */
export type ProviderFactory = (rest: string) => LLMClient | Promise<LLMClient>;

const providers = new Map<string, ProviderFactory>();

/** Adds (or replaces) a provider for `--model <name>:<rest>`. */
export function registerProvider(name: string, factory: ProviderFactory): void {
  providers.set(name, factory);
}

/** Names of the known providers, built-in first. */
export function providerNames(): string[] {
  return ['scripted', ...providers.keys()];
}

/**
 * Loads a script file for `scripted:<file>`: `.json` (a list of replies, or `{"rules": [...]}`)
 * or `.js` / `.mjs` (default export: the same, or a reply function).
 * @throws CliError naming the file and what is wrong with it.
 */
export async function loadScriptFile(file: string): Promise<ScriptedLLM> {
  const path = resolve(file);
  let value: unknown;
  if (/\.(m?js)$/.test(path)) {
    try {
      value = (await import(pathToFileURL(path).href)).default;
    } catch (err) {
      throw new CliError(`scripted model ${file}: cannot load: ${(err as Error).message.split('\n')[0]}`);
    }
  } else {
    const text = await readFile(path, 'utf8').catch(() => {
      throw new CliError(`scripted model ${file}: no such file`);
    });
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new CliError(`scripted model ${file}: not valid JSON: ${(err as Error).message}`);
    }
  }
  try {
    return new ScriptedLLM(parseScript(value, file), { name: `scripted:${file}` });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/**
 * Turns a `--model` spec into a client.
 * @throws CliError for an unknown provider or a spec a provider rejects.
 */
export async function modelFromSpec(spec: string): Promise<LLMClient> {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1) {
    throw new CliError(`model spec ${JSON.stringify(spec)} is not <provider>:<model> (providers: ${providerNames().join(', ')})`);
  }
  const provider = spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  if (provider === 'scripted') return loadScriptFile(rest);
  const factory = providers.get(provider);
  if (factory) return factory(rest);
  if (provider === 'openai' || provider === 'anthropic') {
    throw new CliError(`model spec ${spec}: the ${provider} client is not available yet in this build`);
  }
  throw new CliError(`unknown model provider ${JSON.stringify(provider)} in ${JSON.stringify(spec)} (providers: ${providerNames().join(', ')})`);
}
