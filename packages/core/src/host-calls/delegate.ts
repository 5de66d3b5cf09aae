/**
 * `delegate(name, query, context=None) -> AgentHandle`: a child agent with its own REPL. The
 * child starts when the cell's segment ends (the `cell_ran` event carries it); the answer is its id.
 */
import { z } from 'zod';
import { childId } from '../schema/ids.ts';
import { ContextSchema, type Context, type Json } from '../schema/state.ts';
import { defineHostCall } from './module.ts';
import { lazySchema, real } from '../schema/lazy.ts';

/** Arguments of `delegate`. `context: null` gives the child its parent's `CONTEXT`. */
export const DelegateArgsSchema = lazySchema(() => z.object({
  name: z.string().min(1),
  query: z.string(),
  context: real(ContextSchema).nullable().default(null),
  /** A note for the child, added to its system prompt (`delegate(..., instructions=...)`). */
  instructions: z.string().nullable().default(null),
}));

/** Characters of a context (all documents), as `delegate` and `ask` record it instead of the context itself. */
export function contextLength(context: Context): number {
  return typeof context === 'string' ? context.length : context.reduce((n, d) => n + d.length, 0);
}

/** `delegate`: the child's id; refused (`DelegateError`) at the depth limit. */
export const delegateHostCall = defineHostCall({
  name: 'delegate',
  description: 'start a child agent; the answer is its id (a handle for wait)',
  args: DelegateArgsSchema,
  answer: lazySchema(() => z.string()),
  async handle({ name, query, context, instructions }, ctx) {
    if (ctx.node.depth >= ctx.limits.maxDepth) {
      return {
        answer: {
          ok: false,
          error: `delegate refused: agent ${ctx.node.id} is at depth ${ctx.node.depth} and the maximum depth is ${ctx.limits.maxDepth}; use llm_query instead`,
        },
      };
    }
    const id = childId(ctx.node.id, name, ctx.cell.taken);
    ctx.cell.taken.add(id);
    ctx.cell.delegated.push({ id, name, query, context, ...(instructions ? { instructions } : {}) });
    return { answer: { ok: true, value: id } };
  },
  // The child's context is kept once, in the ChildSpec; the record names its size only.
  record: ({ name, query, context }): Json => ({ name, query, contextChars: context === null ? null : contextLength(context) }),
  identity: (recorded) => {
    const a = recorded as { name?: Json; query?: Json };
    return { name: a.name ?? null, query: a.query ?? null };
  },
});
