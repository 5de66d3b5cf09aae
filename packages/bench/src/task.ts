/** What a benchmark task is: a seeded generator of instances, each with its gold answer and scorer. */
import type { Context } from '@rlmtree/core';

/** How an instance's answer is scored (see `score.ts`). */
export type ScoreKind = 'exact' | 'needle' | 'numeric' | 'label' | 'comparison' | 'pairs_f1';

/** One generated problem. */
export interface Instance {
  /** `<task>-<size>-<index>`, unique within a run. */
  id: string;
  task: string;
  /** Context size asked for, in estimated tokens (chars / 4, see `estimateTokens`). */
  sizeTokens: number;
  /** The seed this instance was generated from (regenerates it alone). */
  seed: number;
  /** The question the agent is given. */
  query: string;
  /** The long input, bound to `CONTEXT` in the REPL. */
  context: string;
  /** The gold answer, as text (pairs: one `(a, b)` per line). */
  gold: string;
  scoreKind: ScoreKind;
  /** Generator facts the scripted policies and reports use (e.g. the needle's depth). */
  meta: Record<string, string | number | boolean | string[]>;
}

/** A task family: a name, a description, and its seeded generator. */
export interface TaskSpec {
  name: string;
  /** One line for `rlmtree bench --help` and reports. */
  description: string;
  /**
   * Makes one instance of about `sizeTokens` estimated tokens of context from `seed`.
   * Deterministic: the same arguments give the same instance.
   * @param index the instance's position in its size (names it).
   */
  generate(sizeTokens: number, seed: number, index: number): Instance;
}

/** The context as one string, for sizes and the baseline's prompt. */
export function contextText(context: Context): string {
  return typeof context === 'string' ? context : context.join('\n\n');
}
