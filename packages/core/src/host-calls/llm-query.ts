/** `llm_query(prompt, model=None, max_tokens=None, temperature=None) -> str`: one sub-call, answered by the sub-model. */
import { z } from 'zod';
import type { Json } from '../schema/state.ts';
import { defineHostCall } from './module.ts';
import { recordedSubCall, subCall, subCallMarks, usageOf } from './sub-call.ts';

/**
 * Per-call parameters every sub-call takes (`llm_query(prompt, model=None, max_tokens=None,
 * temperature=None)`), validated here so a bad value raises `HostCallArgumentError` in Python.
 * Absent in records made before they existed.
 */
export const SubCallParamsSchema = {
  model: z.string().nullable().default(null),
  /** Most output tokens of the reply (a positive integer). */
  max_tokens: z.number().int().positive().nullable().optional(),
  /** Sampling temperature, 0 to 2 (the widest provider range; Anthropic allows up to 1). */
  temperature: z.number().min(0).max(2).nullable().optional(),
};

/** Arguments of `llm_query`. */
export const LlmQueryArgsSchema = z.object({ prompt: z.string(), ...SubCallParamsSchema });

/** `llm_query`: the reply text; a failure raises `LLMError`, a budget refusal `SubCallBudgetError`. */
export const llmQueryHostCall = defineHostCall({
  name: 'llm_query',
  description: 'one sub-call: the reply text to a prompt',
  args: LlmQueryArgsSchema,
  answer: z.string(),
  async handle(args, ctx) {
    const outcome = await subCall(ctx, args.prompt, args);
    return { answer: outcome.answer, usage: outcome.usage, ...subCallMarks([outcome]) };
  },
  record: (args) => recordParams(args),
  identity: (recorded) => ({ prompt: (recorded as { prompt?: Json }).prompt ?? null }),
  subCalls: (call) => (call.answer && !call.refused ? [recordedSubCall(String((call.args as { prompt?: Json }).prompt ?? ''), call.answer, usageOf(call))] : []),
});

/** The arguments as recorded: unset per-call parameters left out, so records stay as they were before them. */
export function recordParams<T extends { max_tokens?: number | null | undefined; temperature?: number | null | undefined }>(args: T): Json {
  const { max_tokens, temperature, ...rest } = args;
  return { ...rest, ...(max_tokens != null ? { max_tokens } : {}), ...(temperature != null ? { temperature } : {}) } as Json;
}
