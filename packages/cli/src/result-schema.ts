/** `--result-schema schema.json`: a JSON Schema file the run's answer must match. */
import { readFile } from 'node:fs/promises';
import { schemaFromRecord, type Json } from '@rlmtree/core';
import { CliError } from './errors.ts';

/**
 * Reads a JSON Schema file (draft 2020-12, as `z.toJSONSchema` writes and `z.fromJSONSchema`
 * reads) for `createRun`'s `resultSchema`. The engine rebuilds the zod schema from the recorded
 * copy, so `resume` keeps checking answers against it.
 * @throws CliError naming the file when it cannot be read, is not JSON, or is not a JSON Schema zod can read.
 */
export async function loadResultSchema(path: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`--result-schema ${path}: cannot read it: ${(err as Error).message}`);
  }
  let schema: Json;
  try {
    schema = JSON.parse(text) as Json;
  } catch (err) {
    throw new CliError(`--result-schema ${path}: not JSON: ${(err as Error).message}`);
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new CliError(`--result-schema ${path}: a JSON Schema is an object, got ${Array.isArray(schema) ? 'an array' : typeof schema}`);
  }
  try {
    schemaFromRecord(schema);
  } catch (err) {
    throw new CliError(`--result-schema ${path}: ${(err as Error).message.replace(/^RunState\.resultSchema /, '')}`);
  }
  return schema;
}
