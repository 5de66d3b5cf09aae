/** zod schema of the prompt config a run's state records (see `prompts/config.ts` for its use). */
import { z } from './zod.ts';
import { lazySchema, real } from './lazy.ts';
import { isPlainObject, withFastPath } from './fast-path.ts';

/** The prompt version new runs get. */
export const PROMPT_VERSION = 3;

/**
 * Built-in system prompts: `default` (the REPL, a method — size up, split, delegate, combine — and
 * examples), `minimal` (the REPL and the rules only), `cost-warning` (default plus a section on
 * spending sub-calls sparingly, naming the run's budgets), `compat` (the official RLM's names:
 * `context`, `FINAL(...)`, `FINAL_VAR(name)`, for models prompted or fine-tuned on it).
 */
export const PromptVariantSchema = lazySchema(() => z.enum(['default', 'minimal', 'cost-warning', 'compat']));
/** A built-in system prompt's name. */
export type PromptVariant = z.infer<typeof PromptVariantSchema>;

/** How one agent is prompted: a built-in variant, and/or a custom system prompt template. */
export const PromptSpecSchema = lazySchema(() => z.object({
  /** The built-in prompt (default `default`); with `template`, what its `{{builtin}}` slot holds and which reply conventions the other messages teach. */
  variant: real(PromptVariantSchema).optional(),
  /** A custom system prompt with `{{slot}}`s (see `PROMPT_SLOTS`); replaces the variant's system prompt. */
  template: z.string().optional(),
}));
/** How one agent is prompted. */
export type PromptSpec = z.infer<typeof PromptSpecSchema>;

/** The prompt config recorded in a run's state. */
export const PromptConfigSchema = lazySchema(() => real(PromptSpecSchema).extend({
  /** The prompt version the wording and reply rules come from. */
  version: z.number().int().positive(),
  /** Per-depth prompts: `"0"` is the root, `"1"` its children…; a depth not listed uses the top level. */
  depths: z.record(z.string().regex(/^\d+$/, 'a depth is a whole number'), real(PromptSpecSchema)).optional(),
}));
withFastPath(PromptConfigSchema, bareConfigFastPath);

/**
 * The fast path of `PromptConfigSchema` (see `fast-path.ts`): a run given no prompt options records
 * `{ version }` alone; anything else is the schema's to parse.
 */
function bareConfigFastPath(value: unknown): PromptConfig | undefined {
  if (!isPlainObject(value) || Reflect.ownKeys(value).length !== 1 || !Object.hasOwn(value, 'version')) return undefined;
  const version = value['version'];
  return typeof version === 'number' && Number.isSafeInteger(version) && version > 0 ? { version } : undefined;
}

/** The prompt config recorded in a run's state. */
export type PromptConfig = z.infer<typeof PromptConfigSchema>;

