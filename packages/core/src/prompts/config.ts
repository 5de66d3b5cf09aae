/**
 * Prompts as recorded run config: which prompt version, variant and custom template a run uses.
 *
 * The state records a `PromptConfig` (`RunState.prompt`); the reducer derives every text it puts
 * into a conversation from it (`promptSetFor`), so a trace folds to the same states after the
 * built-in wording changes: changed wording is a new version, and old versions stay in the code.
 * A state without `prompt` was made before prompts were versioned: version 1.
 */

export { PROMPT_VERSION, PromptVariantSchema, PromptSpecSchema, PromptConfigSchema, type PromptVariant, type PromptSpec, type PromptConfig } from '../schema/prompt.ts';
import { PROMPT_VERSION, PromptConfigSchema, type PromptConfig, type PromptSpec } from '../schema/prompt.ts';
import { quickParse } from '../schema/fast-path.ts';

/** What a run is given: the config without its version (new runs get `PROMPT_VERSION`). */
export type PromptOptions = Omit<PromptConfig, 'version'>;

/**
 * Slots a custom template may use: `{{context}}` (what CONTEXT holds and its size), `{{api}}` (the
 * REPL functions for this agent's depth), `{{method}}` (size up, split, delegate, combine),
 * `{{examples}}`, `{{rules}}` (reply format, turns, depth), `{{tools}}` and `{{result_schema}}`
 * (empty when none), `{{builtin}}` (the whole built-in prompt of the variant), and the numbers
 * `{{depth}}`, `{{max_depth}}`, `{{max_iterations}}`, `{{cell_timeout_s}}`, `{{max_output_chars}}`.
 */
export const PROMPT_SLOTS = [
  'context',
  'api',
  'method',
  'examples',
  'rules',
  'tools',
  'result_schema',
  'builtin',
  'depth',
  'max_depth',
  'max_iterations',
  'cell_timeout_s',
  'max_output_chars',
] as const;
/** A slot name of a custom template. */
export type PromptSlot = (typeof PROMPT_SLOTS)[number];

const SLOT = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;

/** The slot names a template uses, in order of appearance. Pure. */
export function templateSlots(template: string): string[] {
  return [...template.matchAll(SLOT)].map((m) => m[1]!);
}

/**
 * Fills a template's slots. @throws PromptConfigError naming an unknown slot and the known ones.
 */
export function fillTemplate(template: string, values: Readonly<Record<PromptSlot, string>>): string {
  return template.replace(SLOT, (_, name: string) => {
    if (!(name in values)) throw new PromptConfigError(`prompt template: unknown slot {{${name}}}; the slots are ${PROMPT_SLOTS.map((s) => `{{${s}}}`).join(', ')}`);
    return values[name as PromptSlot];
  });
}

/** A prompt config that cannot be used (an unknown slot, variant or depth key). */
export class PromptConfigError extends Error {
  /** @param message names the field and what is wrong with it. */
  constructor(message: string) {
    super(message);
    this.name = 'PromptConfigError';
  }
}

/**
 * The prompt config of a new run from what the caller gave.
 * @throws PromptConfigError naming the field (e.g. `prompt.depths.1.variant`) or unknown slot.
 */
export function promptConfig(options: PromptOptions = {}): PromptConfig {
  const parsed = quickParse(PromptConfigSchema, { ...options, version: PROMPT_VERSION });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const message = issue.code === 'invalid_key' ? 'a depth is a whole number ("0" is the root)' : issue.message;
    throw new PromptConfigError(`prompt.${issue.path.join('.')}: ${message}`);
  }
  const config = parsed.data;
  const specs: [string, PromptSpec][] = [['prompt.template', config], ...Object.entries(config.depths ?? {}).map(([d, s]): [string, PromptSpec] => [`prompt.depths.${d}.template`, s])];
  for (const [where, spec] of specs) {
    for (const slot of templateSlots(spec.template ?? '')) {
      if (!(PROMPT_SLOTS as readonly string[]).includes(slot)) {
        throw new PromptConfigError(`${where}: unknown slot {{${slot}}}; the slots are ${PROMPT_SLOTS.map((s) => `{{${s}}}`).join(', ')}`);
      }
    }
  }
  return config;
}

/** The spec an agent at `depth` is prompted with: its depth's entry, else the top level. Pure. */
export function specFor(config: PromptConfig | undefined, depth: number): PromptSpec {
  if (!config) return {};
  const own = config.depths?.[String(depth)];
  if (own) return own;
  const { variant, template } = config;
  return { ...(variant ? { variant } : {}), ...(template !== undefined ? { template } : {}) };
}
