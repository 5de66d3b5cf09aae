/**
 * Typed results: a zod schema the root agent's `done(value)` must satisfy.
 *
 * The schema is run config. The state records it as JSON Schema (`RunState.resultSchema`), so the
 * prompt can show it and a resumed run keeps checking against it; the engine checks `done()` values
 * with the zod schema given to `Engine.run` (refinements included) or, for a state that came from a
 * file, with the zod schema rebuilt from the recorded JSON Schema (`z.fromJSONSchema`).
 *
 * A value that does not match is not an answer: the cell's outcome becomes a `ResultSchemaError`
 * (recorded in the `cell_ran` event, so a trace replays to the same states), the model is told the
 * schema's message, and the agent goes on within its iteration limit.
 */
import { z } from './schema/zod.ts';
import { LLMError } from './llm/client.ts';
import { JsonSchema, type Json, type RunState } from './schema/state.ts';

/** Any zod schema usable as a result schema: its output must be a JSON value. */
export type ResultSchema = z.ZodType;

/** The TypeScript type of a run's answer: the schema's output, or any JSON value without a schema. */
export type ResultOf<S> = S extends z.ZodType ? z.output<S> : Json;

declare const resultType: unique symbol;

/**
 * A run state whose root answer has type `T`. Type-level only: at runtime it is a plain
 * `RunState` (the brand is never present), so it serializes and reads back like any state.
 * Read the answer with `resultOf(state)`.
 */
export type TypedRunState<T> = RunState & { readonly [resultType]?: T };

/** The outcome of checking one `done()` value. */
export type ResultCheck = { ok: true; value: Json } | { ok: false; message: string };

/** The Python exception type named in the cell error when `done()` is given a wrong value. */
export const RESULT_ERROR_TYPE = 'ResultSchemaError';

/**
 * The JSON Schema recorded in the state for `schema` (draft 2020-12; `z.toJSONSchema`). Parts zod
 * cannot express in JSON Schema (refinements, transforms) are left open (`{}`): the zod schema
 * given to the engine still checks them, a schema rebuilt from the record does not.
 */
export function recordResultSchema(schema: ResultSchema): Json {
  return z.toJSONSchema(schema, { unrepresentable: 'any' }) as Json;
}

const rebuilt = new WeakMap<object, ResultSchema>();

/**
 * The zod schema for a recorded JSON Schema (`z.fromJSONSchema`), cached per recorded object.
 * @throws Error naming `RunState.resultSchema` when the record is not a JSON Schema zod can read.
 */
export function schemaFromRecord(record: Json): ResultSchema {
  if (typeof record === 'object' && record !== null) {
    const hit = rebuilt.get(record);
    if (hit) return hit;
  }
  let schema: ResultSchema;
  try {
    schema = z.fromJSONSchema(record as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (err) {
    throw new Error(`RunState.resultSchema is not a JSON Schema zod can read: ${(err as Error).message}`);
  }
  if (typeof record === 'object' && record !== null) rebuilt.set(record, schema);
  return schema;
}

/**
 * Checks a `done()` value against `schema`. On success the value is the schema's output (defaults
 * filled in); on failure `message` lists each issue with its path, as the model will read it.
 * Pure.
 */
export function checkResult(schema: ResultSchema, value: unknown): ResultCheck {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      message: `done() was given a value that does not match the result schema:\n${z.prettifyError(parsed.error)}\nFix the value and call done() again.`,
    };
  }
  const json = JsonSchema.safeParse(parsed.data);
  if (!json.success) return { ok: false, message: 'done(): the result schema turned the value into something that is not JSON; the run cannot store it' };
  return { ok: true, value: json.data };
}

/**
 * The root's answer, typed by the run's result schema.
 * @throws LLMError when the root has not finished or ended with an error (its kind and message).
 */
export function resultOf<T>(state: TypedRunState<T>): T {
  const root = state.nodes[state.rootId]!;
  if (root.status !== 'FINISHED') throw new LLMError('other', `the run has not finished (root is ${root.status})`);
  if (root.error) throw new LLMError('other', `the run ended without an answer: ${root.error.kind}: ${root.error.message}`);
  return root.result as T;
}
