/**
 * `llm_query_batched(prompts, model=None) -> list[str]`: many sub-calls at once (bounded by
 * `subCallConcurrency`); one failure does not fail the batch: its place holds a `SubCallError`.
 */
import pLimit from 'p-limit';
import { z } from 'zod';
import { addUsage, zeroUsage } from '../llm/client.ts';
import { HostAnswerSchema, type HostAnswer, type Json } from '../schema/state.ts';
import { defineHostCall } from './module.ts';
import { recordedSubCall, subCall, usageOf } from './sub-call.ts';

/** Arguments of `llm_query_batched`. */
export const LlmQueryBatchedArgsSchema = z.object({
  prompts: z.array(z.string()),
  model: z.string().nullable().default(null),
});

/** `llm_query_batched`: one answer per prompt, in order; the batch's usage is recorded as a whole. */
export const llmQueryBatchedHostCall = defineHostCall({
  name: 'llm_query_batched',
  description: 'many sub-calls at once: one reply (or failure) per prompt, in order',
  args: LlmQueryBatchedArgsSchema,
  answer: z.array(HostAnswerSchema),
  async handle(args, ctx) {
    const limit = pLimit(Math.max(1, ctx.subCallConcurrency));
    const results = await Promise.all(args.prompts.map((p) => limit(() => subCall(ctx, p, args.model))));
    const usage = results.reduce((u, r) => addUsage(u, r.usage), zeroUsage());
    return { answer: { ok: true, value: results.map((r) => r.answer as Json) }, usage };
  },
  identity: (recorded) => ({ prompts: (recorded as { prompts?: Json }).prompts ?? null }),
  subCalls(call) {
    if (!call.answer?.ok) return [];
    const answers = call.answer.value as HostAnswer[];
    const prompts = ((call.args as { prompts?: Json }).prompts ?? []) as string[];
    // The batch's usage is recorded as a whole: it goes on its first prompt.
    return prompts.map((p, j) => recordedSubCall(p, answers[j] ?? { ok: false, error: 'no recorded answer' }, j === 0 ? usageOf(call) : zeroUsage()));
  },
});
