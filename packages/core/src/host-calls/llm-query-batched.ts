/**
 * `llm_query_batched(prompts, model=None, max_tokens=None, temperature=None, schema=None) -> list`: many
 * sub-calls at once (bounded by `subCallConcurrency`); one failure does not fail the batch: its
 * place holds a `SubCallError`. Prompts a budget refused raise `SubCallBudgetError` after the rest
 * answered, with every answer on its `.results` (see the prelude). With `schema` each reply is
 * checked on its own: a reply that fails holds a `SubCallError` in its place, the rest their values.
 */
import { z } from '../schema/zod.ts';
import { addUsage, zeroUsage } from '../llm/client.ts';
import { HostAnswerSchema, type HostAnswer, type Json } from '../schema/state.ts';
import { defineHostCall } from './module.ts';
import { recordedSubCall, subCallMarks, subCalls, usageOf } from './sub-call.ts';
import { isStructured, recordParams, subCallParams, subCallParamsFastPath, withSchema } from './llm-query.ts';
import { isPlainObject, withFastPath } from '../schema/fast-path.ts';
import { hostAnswersFastPath } from '../schema/json-fast-path.ts';
import { lazySchema, real } from '../schema/lazy.ts';

/** Arguments of `llm_query_batched`. */
export const LlmQueryBatchedArgsSchema = lazySchema(() => z.object({ prompts: z.array(z.string()), ...subCallParams() }));
withFastPath(LlmQueryBatchedArgsSchema, (value) => {
  if (!isPlainObject(value) || !Object.hasOwn(value, 'prompts')) return undefined;
  const { prompts } = value;
  if (!Array.isArray(prompts) || Object.getPrototypeOf(prompts) !== Array.prototype) return undefined;
  for (let i = 0; i < prompts.length; i++) if (typeof prompts[i] !== 'string') return undefined; // a hole reads undefined
  return subCallParamsFastPath(value, PROMPTS_KEYS, { prompts: [...(prompts as string[])] });
});
const PROMPTS_KEYS: ReadonlySet<string> = new Set(['prompts', 'model', 'max_tokens', 'temperature']);

/** `llm_query_batched`: one answer per prompt, in order; the batch's usage is recorded as a whole. */
export const llmQueryBatchedHostCall = defineHostCall({
  name: 'llm_query_batched',
  description: 'many sub-calls at once: one reply (or failure) per prompt, in order',
  args: LlmQueryBatchedArgsSchema,
  answer: withFastPath(lazySchema(() => z.array(real(HostAnswerSchema))), hostAnswersFastPath),
  async handle(args, ctx) {
    // A batch that crosses a budget sends its first prompts and refuses the rest (see `subCalls`).
    const results = await subCalls(ctx, args.prompts, args, ctx.subCallConcurrency);
    const usage = results.reduce((u, r) => addUsage(u, r.usage), zeroUsage());
    return { answer: { ok: true, value: results.map((r) => r.answer as Json) }, usage, ...subCallMarks(results) };
  },
  record: (args) => recordParams(args),
  identity: (recorded) => withSchema(recorded, { prompts: (recorded as { prompts?: Json }).prompts ?? null }),
  subCalls(call) {
    if (!call.answer?.ok) return [];
    const answers = call.answer.value as HostAnswer[];
    const prompts = ((call.args as { prompts?: Json }).prompts ?? []) as string[];
    // The batch's usage is recorded as a whole: it goes on its first prompt.
    return prompts.flatMap((p, j) => {
      const answer = answers[j] ?? { ok: false, error: 'no recorded answer' };
      // A prompt a budget refused never reached the model.
      if (!answer.ok && answer.kind === 'budget') return [];
      return [recordedSubCall(p, answer, j === 0 ? usageOf(call) : zeroUsage(), isStructured(call.args))];
    });
  },
});
