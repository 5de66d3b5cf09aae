/** `tool`: a registered host tool called from Python as `name(*args, **kwargs)`. */
import { z } from 'zod';
import { JsonSchema, type Json } from '../schema/state.ts';
import { defineHostCall } from './module.ts';
import { lazySchema, real } from '../schema/lazy.ts';

/** Arguments of `tool`: which tool, and its positional and keyword arguments as JSON. */
export const ToolArgsSchema = lazySchema(() => z.object({
  tool: z.string(),
  args: z.array(real(JsonSchema)).default([]),
  kwargs: z.record(z.string(), real(JsonSchema)).default({}),
}));

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
