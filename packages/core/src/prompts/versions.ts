/** Every prompt version this rlmtree can fold, and picking the one a state was recorded with. */
import type { PromptConfig } from './config.ts';
import type { PromptSet } from './set.ts';
import { PROMPTS_V1 } from './v1.ts';
import { PROMPTS_V2 } from './v2.ts';
import { PROMPTS_V3 } from './v3.ts';

const SETS: ReadonlyMap<number, PromptSet> = new Map([PROMPTS_V1, PROMPTS_V2, PROMPTS_V3].map((s) => [s.version, s]));

/** The prompt versions this rlmtree knows, oldest first. */
export const KNOWN_PROMPT_VERSIONS: readonly number[] = [...SETS.keys()];

/**
 * A state or trace was recorded with a prompt version this rlmtree does not have (a newer
 * release wrote it): folding its events here would give different states, so it is refused.
 */
export class PromptVersionError extends Error {
  /** The version the record names. */
  readonly version: number;
  /** @param version the recorded version; @param where what was being read (a path, "state"). */
  constructor(version: number, where: string) {
    super(
      `${where}: recorded with prompt version ${version}, which this rlmtree does not have (it knows ${KNOWN_PROMPT_VERSIONS.join(', ')}); ` +
        `read it with the rlmtree release that wrote it (a newer one: npm i @rlmtree/core@latest), which folds its events with the wording it was recorded with`,
    );
    this.name = 'PromptVersionError';
    this.version = version;
  }
}

/** The version a state's prompt config names (1 for states made before prompts were versioned). */
export function promptVersionOf(config: PromptConfig | undefined): number {
  return config?.version ?? 1;
}

/**
 * The prompt set a state was recorded with.
 * @throws PromptVersionError when this rlmtree does not have that version.
 */
export function promptSetFor(config: PromptConfig | undefined, where = 'state'): PromptSet {
  const version = promptVersionOf(config);
  const set = SETS.get(version);
  if (!set) throw new PromptVersionError(version, where);
  return set;
}
