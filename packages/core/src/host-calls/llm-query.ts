/**
 * `llm_query(prompt, model=None, max_tokens=None, temperature=None, schema=None) -> str`: one
 * sub-call, answered by the sub-model. With `schema` (a JSON Schema) the answer is the reply parsed
 * as JSON and checked against it (see `sub-call.ts`).
 */
import { z } from '../schema/zod.ts';
import { compileJsonSchema, type JsonSchemaObject } from '../llm/response-format.ts';
import { JsonSchema, type Json } from '../schema/state.ts';
import { defineHostCall } from './module.ts';
import { recordedSubCall, subCall, subCallMarks, usageOf } from './sub-call.ts';
import { lazySchema, real } from '../schema/lazy.ts';
import { isPlainObject, onlyKeys, withFastPath } from '../schema/fast-path.ts';

/**
 * `schema=`: a JSON Schema object that ajv compiles (checked against its draft's meta-schema), so
 * a bad schema is refused before anything is sent, naming where it is wrong.
 */
export const SubCallSchemaArgSchema = lazySchema(() => z.record(z.string(), real(JsonSchema)).superRefine((schema, ctx) => {
  try {
    compileJsonSchema(schema);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
}) as unknown as z.ZodType<JsonSchemaObject>);

/**
 * Per-call parameters every sub-call takes (`llm_query(prompt, model=None, max_tokens=None,
 * temperature=None, schema=None)`), validated here so a bad value raises `HostCallArgumentError`
 * in Python. Absent in records made before they existed. A function, so the schemas are built
 * on first use (inside the lazy argument schemas), not at import.
 */
export const subCallParams = () => ({
  model: z.string().nullable().default(null),
  /** Most output tokens of the reply (a positive integer). */
  max_tokens: z.number().int().positive().nullable().optional(),
  /** Sampling temperature, 0 to 2 (the widest provider range; Anthropic allows up to 1). */
  temperature: z.number().min(0).max(2).nullable().optional(),
  /** Structured sub-call: the reply must be JSON matching this JSON Schema; the answer is the parsed value. */
  schema: real(SubCallSchemaArgSchema).nullable().optional(),
});

/** Arguments of `llm_query`. */
export const LlmQueryArgsSchema = lazySchema(() => z.object({ prompt: z.string(), ...subCallParams() }));
withFastPath(LlmQueryArgsSchema, (value) => (isPlainObject(value) && typeof value.prompt === 'string' && Object.hasOwn(value, 'prompt') ? subCallParamsFastPath(value, PROMPT_KEYS, { prompt: value.prompt }) : undefined));

/** Parsed arguments of `llm_query`. */
type LlmQueryArgs = z.output<typeof LlmQueryArgsSchema>;

const PARAM_KEYS = ['model', 'max_tokens', 'temperature'] as const;
const PROMPT_KEYS: ReadonlySet<string> = new Set(['prompt', ...PARAM_KEYS]);

/**
 * The fast path (see `schema/fast-path.ts`) of a sub-call's `subCallParams()` as the prelude
 * sends them (`model` a string or null, `max_tokens` and `temperature` only when set): `head`
 * (the call's own parsed fields) followed by them in the schema's order, `model` null when
 * absent; undefined for anything else, `schema=` included (ajv must compile it), so the schema
 * decides. Keep in step with `subCallParams`.
 * @param keys every key the call's arguments may have
 */
export function subCallParamsFastPath<T extends object>(value: Record<string, unknown>, keys: ReadonlySet<string>, head: T): (T & Pick<LlmQueryArgs, 'model' | 'max_tokens' | 'temperature'>) | undefined {
  if (!onlyKeys(value, keys)) return undefined;
  const { model, max_tokens, temperature } = value;
  const out: Record<string, unknown> = { ...(head as Record<string, unknown>) };
  if (typeof model === 'string' || model === null) out.model = model;
  else if (model === undefined && !Object.hasOwn(value, 'model')) out.model = null;
  else return undefined;
  if (Object.hasOwn(value, 'max_tokens')) {
    if (max_tokens !== null && !(Number.isSafeInteger(max_tokens) && (max_tokens as number) > 0)) return undefined;
    out.max_tokens = max_tokens;
  }
  if (Object.hasOwn(value, 'temperature')) {
    if (temperature !== null && !(typeof temperature === 'number' && temperature >= 0 && temperature <= 2)) return undefined;
    out.temperature = temperature;
  }
  return out as T & Pick<LlmQueryArgs, 'model' | 'max_tokens' | 'temperature'>;
}

/**
 * `llm_query`: the reply text (with `schema`: the parsed JSON value); a failure raises `LLMError`,
 * a budget refusal `SubCallBudgetError`, a reply that is not JSON or fails the schema `SubCallSchemaError`.
 */
export const llmQueryHostCall = defineHostCall({
  name: 'llm_query',
  description: 'one sub-call: the reply text to a prompt',
  args: LlmQueryArgsSchema,
  answer: JsonSchema,
  async handle(args, ctx) {
    const outcome = await subCall(ctx, args.prompt, args);
    return { answer: outcome.answer, usage: outcome.usage, ...subCallMarks([outcome]) };
  },
  record: (args) => recordParams(args),
  identity: (recorded) => withSchema(recorded, { prompt: (recorded as { prompt?: Json }).prompt ?? null }),
  // A call refused by a budget or for its arguments never reached the model: no sub-call to answer.
  subCalls: (call) => (call.answer && !call.refused && !(call.answer.ok === false && call.answer.kind === 'invalid_args') ? [recordedSubCall(String((call.args as { prompt?: Json }).prompt ?? ''), call.answer, usageOf(call), isStructured(call.args))] : []),
});

/** True when recorded sub-call arguments carry a `schema` (a structured sub-call). */
export function isStructured(recorded: Json): boolean {
  return typeof recorded === 'object' && recorded !== null && !Array.isArray(recorded) && recorded.schema != null;
}

/**
 * A sub-call's identity with its schema added when it has one: the schema is decided by the code,
 * so a rebuilt REPL asking for another shape diverges; records without one compare as before.
 */
export function withSchema(recorded: Json, identity: Record<string, Json>): Json {
  return isStructured(recorded) ? { ...identity, schema: (recorded as { schema: Json }).schema } : identity;
}

/** The arguments as recorded: unset per-call parameters left out, so records stay as they were before them. */
export function recordParams<T extends { max_tokens?: number | null | undefined; temperature?: number | null | undefined; schema?: JsonSchemaObject | null | undefined }>(args: T): Json {
  const { max_tokens, temperature, schema, ...rest } = args;
  return { ...rest, ...(max_tokens != null ? { max_tokens } : {}), ...(temperature != null ? { temperature } : {}), ...(schema != null ? { schema: schema as Json } : {}) } as Json;
}
