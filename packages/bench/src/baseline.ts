/**
 * The baseline the paper compares against: the base model with the whole context in its prompt.
 * When the context does not fit the model's window it is cut in the middle (head and tail kept,
 * as LongBench does: Bai et al., arXiv 2308.14508), and the result says how much was kept.
 */
/** Tokens kept free in the window for the model's answer. */
export const ANSWER_RESERVE_TOKENS = 2_000;

/** A baseline prompt and how much of the context it holds. */
export interface BaselinePrompt {
  prompt: string;
  /** The prompt with the whole context, in characters (what the base model would need). */
  fullChars: number;
  /** Fraction of the context's characters in `prompt` (1 when nothing was cut). */
  kept: number;
}

/**
 * The base model's prompt: the context, a blank line, `Question: <query>`; cut to fit
 * `windowTokens` (estimated tokens, chars / 4) less `ANSWER_RESERVE_TOKENS`.
 * @throws Error when the window cannot hold even the question.
 */
export function baselinePrompt(context: string, query: string, windowTokens: number): BaselinePrompt {
  const tail = `\n\nQuestion: ${query}`;
  const fullChars = context.length + tail.length;
  const budget = (windowTokens - ANSWER_RESERVE_TOKENS) * 4 - tail.length;
  if (budget <= 0) throw new Error(`baseline: a window of ${windowTokens} tokens cannot hold the question and ${ANSWER_RESERVE_TOKENS} tokens of answer`);
  if (context.length <= budget) return { prompt: context + tail, fullChars, kept: 1 };
  const marker = `\n[... ${(context.length - budget).toLocaleString('en-US')} characters of the context cut here to fit the model's window ...]\n`;
  const keep = Math.max(0, budget - marker.length);
  const head = context.slice(0, Math.ceil(keep / 2));
  const end = context.slice(context.length - Math.floor(keep / 2));
  return { prompt: head + marker + end + tail, fullChars, kept: (head.length + end.length) / context.length };
}

/** Estimated tokens of `chars` characters: 4 characters per token, the rule of core's `estimateTokens`. */
export function promptTokens(chars: number): number {
  return Math.ceil(chars / 4);
}
