/**
 * What a request asks the answer to be: text, or JSON matching a schema. Chat Completions says it
 * in `response_format`, the Responses API in `text.format`; both become an `OutputSpec`, which the
 * runner turns into a typed result (the root's `done()` value is checked against the schema and a
 * wrong shape is refused back to the model), so `generateObject`, `withStructuredOutput` and
 * `response_format: {type: "json_schema"}` get JSON that parses and matches.
 */
import { z } from 'zod';
import { RequestError } from './errors.ts';

/** The answer a request asks for: text, or a JSON value checked by `schema` (any object for `json_object`). */
export type OutputSpec = { type: 'text' } | { type: 'json'; schema: z.ZodType; name: string };

const TEXT: OutputSpec = { type: 'text' };

/** A JSON Schema from a request as a zod schema. @throws RequestError naming `param`. */
function schemaOf(jsonSchema: unknown, param: string): z.ZodType {
  if (typeof jsonSchema !== 'object' || jsonSchema === null || Array.isArray(jsonSchema)) throw new RequestError(`${param}: a JSON Schema object is required`, param);
  try {
    return z.fromJSONSchema(jsonSchema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (err) {
    throw new RequestError(`${param}: not a JSON Schema this server can check: ${(err as Error).message}`, param);
  }
}

/** One format object: `{type: "text" | "json_object" | "json_schema", ...}`; `schemaAt` finds the schema and name. */
function parseFormat(format: unknown, param: string, schemaAt: (f: Record<string, unknown>) => { schema: unknown; name: unknown; where: string }): OutputSpec {
  if (format === undefined || format === null) return TEXT;
  if (typeof format !== 'object' || Array.isArray(format)) throw new RequestError(`${param}: must be an object with a "type"`, param);
  const f = format as Record<string, unknown>;
  switch (f.type) {
    case 'text':
      return TEXT;
    case 'json_object':
      // OpenAI's JSON mode promises an object, not any JSON value.
      return { type: 'json', schema: z.record(z.string(), z.json()), name: 'json_object' };
    case 'json_schema': {
      const { schema, name, where } = schemaAt(f);
      return { type: 'json', schema: schemaOf(schema, `${param}.${where}`), name: typeof name === 'string' && name ? name : 'response' };
    }
    default:
      throw new RequestError(`${param}.type: ${JSON.stringify(f.type)} is not supported; use "text", "json_object" or "json_schema"`, `${param}.type`, 'unsupported_parameter');
  }
}

/** Chat Completions' `response_format` (`json_schema: {name, schema, strict}`). @throws RequestError */
export function chatOutput(responseFormat: unknown): OutputSpec {
  return parseFormat(responseFormat, 'response_format', (f) => {
    const js = (f.json_schema ?? {}) as Record<string, unknown>;
    return { schema: js.schema, name: js.name, where: 'json_schema.schema' };
  });
}

/** The Responses API's `text.format` (`{type: "json_schema", name, schema, strict}`). @throws RequestError */
export function responsesOutput(text: unknown): OutputSpec {
  const format = typeof text === 'object' && text !== null ? (text as Record<string, unknown>).format : undefined;
  return parseFormat(format, 'text.format', (f) => ({ schema: f.schema, name: f.name, where: 'schema' }));
}
