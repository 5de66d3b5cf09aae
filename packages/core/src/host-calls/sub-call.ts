/** One model sub-call (what `llm_query` and each prompt of `llm_query_batched` make). */
import { zeroUsage } from '../llm/client.ts';
import type { HostAnswer, HostCall, Usage } from '../schema/state.ts';
import type { HostCallContext, RecordedSubCall } from './module.ts';

/**
 * Sends `prompt` to the sub-model (`options.maxTokens` caps its reply). Never throws: a failure is an `{ ok: false }` answer with
 * zero usage (the client's own retries have run).
 */
export async function subCall(ctx: HostCallContext, prompt: string, model: string | null, options: { maxTokens?: number } = {}): Promise<{ answer: HostAnswer; usage: Usage }> {
  try {
    const reply = await ctx.subModel.complete({
      messages: [{ role: 'user', content: prompt }],
      ...(model ? { model } : {}),
      ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return { answer: { ok: true, value: reply.text }, usage: reply.usage };
  } catch (err) {
    return { answer: { ok: false, error: err instanceof Error ? err.message : String(err) }, usage: zeroUsage() };
  }
}

/** A recorded sub-call as `ReplayLLM` answers it. */
export function recordedSubCall(prompt: string, answer: HostAnswer, usage: Usage): RecordedSubCall {
  return {
    messages: [{ role: 'user', content: prompt }],
    answer: answer.ok ? { ok: true, text: String(answer.value) } : { ok: false, error: answer.error },
    usage,
  };
}

/** The usage a recorded call holds (zero when none was recorded). */
export function usageOf(call: HostCall): Usage {
  return call.usage ?? zeroUsage();
}
