/**
 * The user message that opens each later turn of a session (the system prompt's session section
 * is `SESSION_PROMPT_SECTION` in system.ts). The names (`CONTEXTS`, `ANSWERS`,
 * `HISTORY`) follow the official RLM's persistent mode (versioned `context_0`, `context_1`, …)
 * and the "versioned responses" its users asked for; the wording is rlmtree's own.
 */
import type { Context, Json } from '../schema/state.ts';
import { describeContext, resultLines } from './system.ts';

/** The user message that opens turn `index` (1 or more) of a session. Pure. */
export function turnMessage(index: number, query: string, context: Context, sameInput: boolean, resultSchema?: Json): string {
  const input = sameInput ? `CONTEXT is the same input as turn ${index - 1} (${describeContext(context)})` : `CONTEXT is now this turn's input: ${describeContext(context)}`;
  return `Turn ${index} of this session. Query: ${query}\n\n${input}. CONTEXTS[0..${index}] hold every turn's input, ANSWERS[0..${index - 1}] your earlier answers, HISTORY the conversation so far. Variables from earlier turns are still defined.${resultLines(resultSchema)}`;
}
