/**
 * One model sub-call (what `llm_query` and each prompt of `llm_query_batched` make): admitted by
 * the step's sub-call budgets first (`sub-call-ledger.ts`), answered from the sub-call cache when
 * it holds the same provider, model, prompt and parameters (free, not counted against budgets),
 * else sent to the sub-model with the call's own parameters. A structured sub-call (`schema=`)
 * asks the sub-model for JSON (`CompletionRequest.responseFormat`) and checks the reply against the
 * schema here: the answer is the parsed value, or a `schema` failure (raised in Python as
 * `SubCallSchemaError`) carrying the reply text, which still counts its usage.
 */
import pLimit from 'p-limit';
import { zeroUsage, type CompletionRequest } from '../llm/client.ts';
import { jsonSchemaFormat, parseJsonReply, type JsonSchemaObject, type ResponseFormat } from '../llm/response-format.ts';
import { subCallKey } from '../llm/subcall-cache.ts';
import type { HostAnswer, HostCall, Json, Usage } from '../schema/state.ts';
import type { HostCallContext, RecordedSubCall } from './module.ts';

/** Per-call parameters of a sub-call, as agent code passes them (`llm_query(prompt, max_tokens=..., temperature=...)`). */
export interface SubCallParams {
  /** Model override (`model=`), or null for the sub-model's default. */
  model: string | null;
  /** Most output tokens of the reply (`max_tokens=`). */
  max_tokens?: number | null | undefined;
  /** Sampling temperature (`temperature=`). */
  temperature?: number | null | undefined;
  /** Structured sub-call (`schema=`): the reply must be JSON matching this JSON Schema (checked by the args schema already). */
  schema?: JsonSchemaObject | null | undefined;
}

/** How one sub-call went. `how`: sent to the model, answered from the cache, or refused by a budget unsent. */
export interface SubCallOutcome {
  answer: HostAnswer;
  usage: Usage;
  how: 'sent' | 'cached' | 'refused';
}

function cacheKey(ctx: HostCallContext, prompt: string, params: SubCallParams): string {
  // The schema is part of the key: the same prompt asked for another shape is another reply.
  const { max_tokens, temperature, schema } = params;
  return subCallKey({ client: ctx.subModel.name ?? 'model', model: params.model, prompt, params: { max_tokens: max_tokens ?? undefined, temperature: temperature ?? undefined, schema: schema ?? undefined } });
}

/** The response format of a structured sub-call, or undefined for a plain one. */
function formatOf(params: SubCallParams): ResponseFormat | undefined {
  return params.schema ? jsonSchemaFormat(params.schema) : undefined;
}

/**
 * The answer to a reply `text`: the text itself for a plain sub-call; for a structured one the
 * parsed JSON value, or a `schema` failure naming the failing path, with the text kept (`reply`).
 */
function answerOf(ctx: HostCallContext, format: ResponseFormat | undefined, text: string): HostAnswer {
  if (!format) return { ok: true, value: text };
  const parsed = parseJsonReply(format, text);
  return parsed.ok ? { ok: true, value: parsed.value as Json } : { ok: false, kind: 'schema', error: `${ctx.subModel.name ?? 'sub-model'}: ${parsed.error}`, reply: text };
}

/** The cached reply to `prompt`, as an outcome, or null (no cache, a miss, or a cache that failed). */
async function lookup(ctx: HostCallContext, prompt: string, params: SubCallParams, format: ResponseFormat | undefined): Promise<SubCallOutcome | null> {
  const hit = ctx.subCallCache ? await ctx.subCallCache.get(cacheKey(ctx, prompt, params)).catch(() => undefined) : undefined;
  if (!hit) return null;
  const answer = answerOf(ctx, format, hit.text);
  // Only replies that passed are cached; one that fails now (a hand-edited cache) is a miss.
  return answer.ok ? { answer, usage: zeroUsage(), how: 'cached' } : null;
}

/** The budget refusal of `prompt`, as an outcome, or null when the ledger admits it (and reserves its place). */
function admit(ctx: HostCallContext, prompt: string): SubCallOutcome | null {
  const refusal = ctx.ledger?.admit(ctx.node, prompt) ?? null;
  return refusal === null ? null : { answer: { ok: false, kind: 'budget', error: refusal }, usage: zeroUsage(), how: 'refused' };
}

/** Sends an admitted prompt. Never throws: a model failure is an `{ ok: false }` answer with zero usage (the client's retries have run). */
async function send(ctx: HostCallContext, prompt: string, params: SubCallParams, responseFormat: ResponseFormat | undefined): Promise<SubCallOutcome> {
  const request: CompletionRequest = {
    messages: [{ role: 'user', content: prompt }],
    ...(params.model ? { model: params.model } : {}),
    ...(params.max_tokens != null ? { maxTokens: params.max_tokens } : {}),
    ...(params.temperature != null ? { temperature: params.temperature } : {}),
    ...(responseFormat ? { responseFormat } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
  try {
    const reply = await ctx.subModel.complete(request);
    ctx.ledger?.settle(prompt, reply.usage);
    // A reply that fails its schema was still paid for: its usage counts, but it is not cached.
    const answer = answerOf(ctx, responseFormat, reply.text);
    if (ctx.subCallCache && answer.ok) {
      await ctx.subCallCache.set(cacheKey(ctx, prompt, params), { text: reply.text, usage: reply.usage, ...(reply.model ? { model: reply.model } : {}) }).catch(() => undefined);
    }
    return { answer, usage: reply.usage, how: 'sent' };
  } catch (err) {
    ctx.ledger?.settle(prompt, zeroUsage());
    return { answer: { ok: false, error: err instanceof Error ? err.message : String(err) }, usage: zeroUsage(), how: 'sent' };
  }
}

/**
 * Answers `prompts` in order: each from the cache when it holds it (free, not counted against the
 * budgets), else admitted by the budgets in prompt order — so a batch that crosses a budget sends
 * its first prompts and refuses the rest (`{ ok: false, kind: 'budget' }`, raised in Python as
 * `SubCallBudgetError`) — and the admitted ones sent concurrently, at most `concurrency` at once.
 * Never throws.
 */
export async function subCalls(ctx: HostCallContext, prompts: readonly string[], params: SubCallParams, concurrency: number): Promise<SubCallOutcome[]> {
  // One response format for the whole call (its schema is compiled once, cached by ajv's key).
  const format = formatOf(params);
  const cached = await Promise.all(prompts.map((p) => lookup(ctx, p, params, format)));
  const decided = prompts.map((p, i) => cached[i] ?? admit(ctx, p));
  const limit = pLimit(Math.max(1, concurrency));
  return Promise.all(prompts.map((p, i) => decided[i] ?? limit(() => send(ctx, p, params, format))));
}

/** One sub-call (see `subCalls`). Never throws. */
export async function subCall(ctx: HostCallContext, prompt: string, params: SubCallParams): Promise<SubCallOutcome> {
  return (await subCalls(ctx, [prompt], params, 1))[0]!;
}

/** The `cacheHits` / `refused` fields a sub-call record carries for `outcomes` (absent when zero). */
export function subCallMarks(outcomes: readonly SubCallOutcome[]): { cacheHits?: number; refused?: number } {
  const cacheHits = outcomes.filter((o) => o.how === 'cached').length;
  const refused = outcomes.filter((o) => o.how === 'refused').length;
  return { ...(cacheHits ? { cacheHits } : {}), ...(refused ? { refused } : {}) };
}

/**
 * A recorded sub-call as `ReplayLLM` answers it. A structured one (`structured`) answers the
 * value as JSON text, and a reply that failed its schema answers the reply text as recorded, so
 * the replayed call checks it again and fails the same way.
 */
export function recordedSubCall(prompt: string, answer: HostAnswer, usage: Usage, structured = false): RecordedSubCall {
  const text = (value: Json) => (structured ? JSON.stringify(value) : String(value));
  return {
    messages: [{ role: 'user', content: prompt }],
    answer: answer.ok ? { ok: true, text: text(answer.value) } : answer.reply !== undefined ? { ok: true, text: answer.reply } : { ok: false, error: answer.error },
    usage,
  };
}

/** The usage a recorded call holds (zero when none was recorded). */
export function usageOf(call: HostCall): Usage {
  return call.usage ?? zeroUsage();
}
