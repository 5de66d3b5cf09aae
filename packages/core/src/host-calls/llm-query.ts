/** `llm_query(prompt, model=None, max_tokens=None) -> str`: one sub-call, answered by the sub-model. */
import { z } from 'zod';
import type { Json } from '../schema/state.ts';
import { defineHostCall } from './module.ts';
import { recordedSubCall, subCall, usageOf } from './sub-call.ts';

/** Arguments of `llm_query`. Per-call parameters (max_tokens, temperature, schema) go here as optional fields. */
export const LlmQueryArgsSchema = z.object({
  prompt: z.string(),
  model: z.string().nullable().default(null),
  /** Cap on the reply's tokens (sent to the provider as its max-output-tokens); absent: the client's default. */
  max_tokens: z.number().int().positive().optional(),
});

/** `llm_query`: the reply text; a failure raises `LLMError`. */
export const llmQueryHostCall = defineHostCall({
  name: 'llm_query',
  description: 'one sub-call: the reply text to a prompt',
  args: LlmQueryArgsSchema,
  answer: z.string(),
  async handle(args, ctx) {
    return subCall(ctx, args.prompt, args.model, args.max_tokens !== undefined ? { maxTokens: args.max_tokens } : {});
  },
  identity: (recorded) => ({ prompt: (recorded as { prompt?: Json }).prompt ?? null }),
  subCalls: (call) => (call.answer ? [recordedSubCall(String((call.args as { prompt?: Json }).prompt ?? ''), call.answer, usageOf(call))] : []),
});
