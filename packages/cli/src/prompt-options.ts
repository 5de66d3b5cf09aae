/** `--prompt <variant>` and `--system-prompt <file>`: how a run's agents are prompted, from the command line. */
import { readFile } from 'node:fs/promises';
import { promptConfig, PromptConfigError, PromptVariantSchema, type PromptOptions } from '@rlmtree/core';
import { CliError } from './errors.ts';

/**
 * The prompt options of `run`: `variant` names a built-in prompt; `file` is a custom system prompt
 * template with `{{slot}}`s, or, when it ends in `.json`, a whole prompt config
 * (`{"variant", "template", "depths": {"1": {...}}}`, see docs/prompts.md).
 * @throws CliError naming the option and file: unreadable, not JSON, an unknown variant or slot.
 */
export async function loadPromptOptions(variant: string | undefined, file: string | undefined): Promise<PromptOptions | undefined> {
  if (variant === undefined && file === undefined) return undefined;
  let options: PromptOptions = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new CliError(`--system-prompt ${file}: cannot read it: ${(err as Error).message}`);
    }
    if (file.endsWith('.json')) {
      try {
        options = JSON.parse(text) as PromptOptions;
      } catch (err) {
        throw new CliError(`--system-prompt ${file}: not JSON: ${(err as Error).message}`);
      }
    } else options = { template: text };
  }
  if (variant !== undefined) {
    if (!PromptVariantSchema.safeParse(variant).success) throw new CliError(`--prompt: unknown variant ${JSON.stringify(variant)}; the variants are ${PromptVariantSchema.options.join(', ')}`);
    options = { ...options, variant: variant as PromptOptions['variant'] & string };
  }
  try {
    promptConfig(options);
  } catch (err) {
    if (err instanceof PromptConfigError) throw new CliError(`${file !== undefined ? `--system-prompt ${file}` : '--prompt'}: ${err.message}`);
    throw err;
  }
  return options;
}
