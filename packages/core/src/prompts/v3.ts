/**
 * Prompt version 3: version 2's words (`v2.ts`), and in the REPL's list the `schema=` argument of
 * `llm_query` / `llm_query_batched` (structured sub-calls: the answer parsed and checked against a
 * JSON Schema, a pydantic model or a Python type). Frozen once released, like version 2.
 */
import type { PromptSet } from './set.ts';
import { promptSetWith } from './v2.ts';

/** Prompt version 3 (new runs' default). */
export const PROMPTS_V3: PromptSet = promptSetWith(3, { schemaSubCalls: true });
