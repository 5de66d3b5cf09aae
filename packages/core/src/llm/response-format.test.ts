import { describe, expect, it } from 'vitest';
import { compileJsonSchema, jsonSchemaFormat, JsonSchemaError, parseJsonReply, strictCompatible } from './response-format.ts';

const closed = { title: 'Speech count', type: 'object', properties: { speaker: { type: 'string' }, n: { type: 'integer', minimum: 0 } }, required: ['speaker', 'n'], additionalProperties: false };

describe('response formats', () => {
  it('names the format from the title (provider-safe characters) and marks it strict only when OpenAI strict rules hold', () => {
    expect(jsonSchemaFormat(closed)).toEqual({ type: 'json_schema', name: 'Speech_count', schema: closed, strict: true });
    expect(jsonSchemaFormat({ type: 'array', items: { type: 'string' } }).name).toBe('response');
    // pydantic's model_json_schema(): properties with defaults are not required, objects stay open.
    const pydantic = { title: 'Count', type: 'object', properties: { n: { type: 'integer' }, note: { default: '', type: 'string' } }, required: ['n'] };
    expect(jsonSchemaFormat(pydantic).strict).toBe(false);
    expect(strictCompatible({ ...closed, properties: { ...closed.properties, inner: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } }, required: ['speaker', 'n', 'inner'] })).toBe(false);
    expect(strictCompatible({ type: 'array', items: closed })).toBe(false);
  });

  it('parses a matching reply and names the failing path of one that does not match or is not JSON', () => {
    const f = jsonSchemaFormat(closed);
    expect(parseJsonReply(f, ' {"speaker": "HAMLET", "n": 3}\n')).toEqual({ ok: true, value: { speaker: 'HAMLET', n: 3 } });
    expect(parseJsonReply(f, '{"speaker": "HAMLET", "n": -1}')).toEqual({ ok: false, error: 'the reply does not match the schema at /n: must be >= 0' });
    expect(parseJsonReply(f, '{"speaker": "HAMLET", "n": 1, "extra": 2}')).toEqual({ ok: false, error: 'the reply does not match the schema at (root): must NOT have additional properties ("extra")' });
    const notJson = parseJsonReply(f, 'HAMLET speaks 3 times');
    expect(notJson.ok === false && notJson.error).toMatch(/^the reply is not JSON \(.*\): "HAMLET speaks 3 times"$/);
    expect(parseJsonReply(jsonSchemaFormat({ type: 'string', format: 'date' }), '"2026-13-40"')).toEqual({ ok: false, error: 'the reply does not match the schema at (root): must match format "date"' });
  });

  it('reads draft-07 schemas and 2020-12 $defs (what pydantic emits)', () => {
    const draft07 = { $schema: 'http://json-schema.org/draft-07/schema#', definitions: { n: { type: 'integer' } }, type: 'object', properties: { n: { $ref: '#/definitions/n' } } };
    expect(parseJsonReply(jsonSchemaFormat(draft07), '{"n": "x"}')).toEqual({ ok: false, error: 'the reply does not match the schema at /n: must be integer' });
    const defs = { $defs: { Item: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } }, type: 'array', items: { $ref: '#/$defs/Item' } };
    expect(parseJsonReply(jsonSchemaFormat(defs), '[{"id": 1}, {}]')).toEqual({ ok: false, error: "the reply does not match the schema at /1: must have required property 'id'" });
  });

  it('refuses a schema that is not valid JSON Schema, naming where', () => {
    expect(() => compileJsonSchema({ type: 'objekt' })).toThrow(JsonSchemaError);
    expect(() => compileJsonSchema({ type: 'object', properties: { n: { type: 5 } } })).toThrow(/^not a valid JSON Schema at \/properties\/n\/type: /);
    expect(() => compileJsonSchema({ required: 'n' })).toThrow('not a valid JSON Schema at /required: must be array');
    expect(() => compileJsonSchema(['a'])).toThrow('a JSON Schema must be an object');
    expect(() => compileJsonSchema({ $ref: '#/$defs/missing' })).toThrow(JsonSchemaError);
  });
});
