/** `tool`: a registered host tool called from Python as `name(*args, **kwargs)`. */
import { z } from '../schema/zod.ts';
import { JsonSchema, type Json } from '../schema/state.ts';
import { defineHostCall } from './module.ts';
import { lazySchema, real } from '../schema/lazy.ts';
import { isPlainObject, onlyKeys, withFastPath } from '../schema/fast-path.ts';
import { copyJson, copyJsonRecord, NOT_JSON } from '../schema/json-fast-path.ts';

/** Arguments of `tool`: which tool, and its positional and keyword arguments as JSON. */
export const ToolArgsSchema = lazySchema(() => z.object({
  tool: z.string(),
  args: z.array(real(JsonSchema)).default([]),
  kwargs: z.record(z.string(), real(JsonSchema)).default({}),
}));
withFastPath(ToolArgsSchema, toolArgsFastPath);

const TOOL_KEYS: ReadonlySet<string> = new Set(['tool', 'args', 'kwargs']);

/**
 * The fast path of `ToolArgsSchema` (see `schema/fast-path.ts`): a tool call as the prelude sends
 * it, checked without building the schema, `args` and `kwargs` copied as zod copies them (`[]` and
 * `{}` when absent); undefined for anything else (the schema decides). Keep in step with the schema.
 */
function toolArgsFastPath(value: unknown): z.output<typeof ToolArgsSchema> | undefined {
  if (!isPlainObject(value) || !onlyKeys(value, TOOL_KEYS) || typeof value.tool !== 'string' || !Object.hasOwn(value, 'tool')) return undefined;
  const args = Object.hasOwn(value, 'args') ? value.args : [];
  const kwargs = Object.hasOwn(value, 'kwargs') ? value.kwargs : {};
  if (!Array.isArray(args)) return undefined;
  const list = copyJson(args, 0);
  const named = copyJsonRecord(kwargs, 0);
  if (list === NOT_JSON || named === NOT_JSON) return undefined;
  return { tool: value.tool, args: list as Json[], kwargs: named };
}

/** `tool`: the tool's JSON result; a throw or an unknown tool raises `ToolError`. */
export const toolHostCall = defineHostCall({
  name: 'tool',
  description: 'a registered host tool',
  args: ToolArgsSchema,
  answer: JsonSchema,
  async handle(args, ctx) {
    const found = Object.hasOwn(ctx.tools, args.tool) ? ctx.tools[args.tool] : undefined;
    if (!found) return { answer: { ok: false, error: `no tool named ${args.tool}` } };
    try {
      const value = await found.run(args.args, args.kwargs);
      return { answer: { ok: true, value: JSON.parse(JSON.stringify(value ?? null)) as Json } };
    } catch (err) {
      return { answer: { ok: false, error: err instanceof Error ? err.message : String(err) } };
    }
  },
});
