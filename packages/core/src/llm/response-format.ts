/**
 * Structured output: a request's `responseFormat` (the reply must be JSON matching a JSON Schema),
 * how it is built from a schema, and how a reply is checked against it. Providers send it their
 * own way (OpenAI `response_format: {type: "json_schema"}`, Anthropic `output_config.format`, the
 * AI SDK `responseFormat: {type: "json"}`); the host checks every reply itself with ajv, so a
 * provider that drifts from the schema is caught, never trusted.
 */
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { LRUCache } from 'lru-cache';
import { nodeModuleApi } from '../util/builtins.ts';

/** A JSON Schema as a plain JSON object (draft 2020-12 by default; `$schema` draft-07 is honoured). */
export type JsonSchemaObject = Record<string, unknown>;

/**
 * The reply must be one JSON value matching `schema`.
 * - `name`: a label providers require (OpenAI: `^[a-zA-Z0-9_-]{1,64}$`), from the schema's `title`
 *   or `response`.
 * - `strict`: ask the provider to enforce the schema exactly (OpenAI's strict mode). True only when
 *   the schema keeps OpenAI's strict rules (every object lists all its properties as required and
 *   sets `additionalProperties: false`), since OpenAI refuses other schemas in strict mode with
 *   HTTP 400. The host validates the reply either way.
 */
export interface ResponseFormat {
  type: 'json_schema';
  name: string;
  schema: JsonSchemaObject;
  strict: boolean;
}

/** A schema that is not a JSON Schema ajv can compile; the message names the keyword and where. */
export class JsonSchemaError extends Error {
  /** @param message what is wrong, e.g. `/properties/n/type must be equal to one of the allowed values`. */
  constructor(message: string) {
    super(message);
    this.name = 'JsonSchemaError';
  }
}

/** Where and why a value failed its schema (`path` a JSON Pointer into the value, `''` for the whole value). */
export interface SchemaViolation {
  path: string;
  message: string;
}

// strict: false so annotations models and pydantic emit (`title`, `examples`, `discriminator`…) are
// accepted; allErrors: false stops at the first failing path, which is what the message names.
const options = { strict: false, allErrors: false, logger: false as const, validateSchema: true };

/**
 * The two ajv instances (draft 2020-12 and draft-07), made on the first schema compiled: ajv and
 * its meta-schemas cost about as much CPU as the rest of core's import together, and most runs
 * never use a schema (issue 18: no work at import). ajv is CommonJS, so `require` loads it
 * synchronously here.
 */
let ajvs: { draft2020: Ajv2020; draft07: Ajv } | undefined;
function ajvFor(dialect: string): Ajv | Ajv2020 {
  if (!ajvs) {
    const require = nodeModuleApi().createRequire(import.meta.url);
    const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
    const { Ajv2020: Ajv2020Class } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    // ajv-formats is CommonJS with its plugin on `.default`.
    const formats = require('ajv-formats') as { default?: unknown };
    const addFormats = (formats.default ?? formats) as (ajv: Ajv | Ajv2020) => unknown;
    const draft2020 = new Ajv2020Class(options);
    const draft07 = new AjvClass(options);
    addFormats(draft2020);
    addFormats(draft07);
    ajvs = { draft2020, draft07 };
  }
  return /draft-0[467]/.test(dialect) ? ajvs.draft07 : ajvs.draft2020;
}

/** Compiled validators by schema text: one compile per distinct schema (ajv's compile is the slow part). */
const compiled = new LRUCache<string, ValidateFunction>({ max: 500 });

/**
 * The validator of `schema`, compiled once per distinct schema.
 * @throws JsonSchemaError when `schema` is not an object or is not a valid JSON Schema (checked
 *   against its draft's meta-schema), naming the failing keyword's place.
 */
export function compileJsonSchema(schema: unknown): ValidateFunction {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new JsonSchemaError('a JSON Schema must be an object');
  const key = JSON.stringify(schema);
  const hit = compiled.get(key);
  if (hit) return hit;
  const dialect = String((schema as JsonSchemaObject).$schema ?? '');
  const ajv = ajvFor(dialect);
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    const errors = ajv.errors as ErrorObject[] | null | undefined;
    throw new JsonSchemaError(errors?.length ? describe(errors[0]!) : (err as Error).message);
  }
  compiled.set(key, validate);
  return validate;
}

/**
 * Checks `value` against `schema`: null when it matches, else the first failing path and why.
 * @throws JsonSchemaError when the schema itself is invalid (see `compileJsonSchema`).
 */
export function checkJsonValue(schema: JsonSchemaObject, value: unknown): SchemaViolation | null {
  const validate = compileJsonSchema(schema);
  if (validate(value)) return null;
  const first = validate.errors?.[0];
  return first ? { path: first.instancePath, message: messageOf(first) } : { path: '', message: 'does not match the schema' };
}

function messageOf(e: ErrorObject): string {
  const extra = e.keyword === 'additionalProperties' ? ` (${JSON.stringify((e.params as { additionalProperty?: string }).additionalProperty)})` : e.keyword === 'enum' ? ` ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}` : '';
  return `${e.message ?? e.keyword}${extra}`;
}

function describe(e: ErrorObject): string {
  return `not a valid JSON Schema at ${e.instancePath || '(root)'}: ${messageOf(e)}`;
}

/**
 * The `ResponseFormat` for `schema`: `name` from its `title` (characters outside `[A-Za-z0-9_-]`
 * replaced by `_`, at most 64) or `response`; `strict` when the schema keeps OpenAI's strict rules.
 * @throws JsonSchemaError when `schema` is not a valid JSON Schema.
 */
export function jsonSchemaFormat(schema: JsonSchemaObject, name?: string): ResponseFormat {
  compileJsonSchema(schema);
  const title = name ?? (typeof schema.title === 'string' ? schema.title : '');
  const clean = title.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return { type: 'json_schema', name: clean || 'response', schema, strict: strictCompatible(schema) };
}

/**
 * True when every object schema inside `schema` sets `additionalProperties: false` and requires
 * all of its `properties` (OpenAI structured outputs, "Supported schemas": strict mode needs both)
 * and the root is an object. Walks `properties`, `items`, `anyOf`, `$defs` and `definitions`.
 */
export function strictCompatible(schema: JsonSchemaObject): boolean {
  if (schema.type !== 'object') return false;
  const ok = (s: unknown): boolean => {
    if (typeof s !== 'object' || s === null) return true;
    const o = s as JsonSchemaObject;
    const props = o.properties as Record<string, unknown> | undefined;
    if (o.type === 'object' || props) {
      if (o.additionalProperties !== false) return false;
      const required = new Set(Array.isArray(o.required) ? (o.required as string[]) : []);
      if (props && !Object.keys(props).every((k) => required.has(k))) return false;
    }
    const kids: unknown[] = [
      ...Object.values(props ?? {}),
      ...(Array.isArray(o.items) ? o.items : o.items ? [o.items] : []),
      ...(Array.isArray(o.anyOf) ? o.anyOf : []),
      ...Object.values((o.$defs ?? {}) as Record<string, unknown>),
      ...Object.values((o.definitions ?? {}) as Record<string, unknown>),
    ];
    return kids.every(ok);
  };
  return ok(schema);
}

/**
 * A reply text checked against `format`: the parsed value, or why not (`not JSON: …`, or
 * `at /path: must be integer`). Surrounding whitespace is allowed; anything else around the JSON is not.
 */
export function parseJsonReply(format: ResponseFormat, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `the reply is not JSON (${(err as Error).message}): ${clip(text)}` };
  }
  const violation = checkJsonValue(format.schema, value);
  if (!violation) return { ok: true, value };
  return { ok: false, error: `the reply does not match the schema at ${violation.path || '(root)'}: ${violation.message}` };
}

function clip(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 119)}…` : text);
}
