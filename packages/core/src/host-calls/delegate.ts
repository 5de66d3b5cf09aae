/**
 * `delegate(name, query, context=None) -> AgentHandle`: a child agent with its own REPL. The
 * child starts when the cell's segment ends (the `cell_ran` event carries it); the answer is its id.
 */
import { z } from '../schema/zod.ts';
import { childId } from '../schema/ids.ts';
import { ContextSchema, type Context, type Json } from '../schema/state.ts';
import { defineHostCall } from './module.ts';
import { lazySchema, real } from '../schema/lazy.ts';
import { isPlainObject, onlyKeys, withFastPath } from '../schema/fast-path.ts';

/** Arguments of `delegate`. `context: null` gives the child its parent's `CONTEXT`. */
export const DelegateArgsSchema = lazySchema(() => z.object({
  name: z.string().min(1),
  query: z.string(),
  context: real(ContextSchema).nullable().default(null),
  /** A note for the child, added to its system prompt (`delegate(..., instructions=...)`). */
  instructions: z.string().nullable().default(null),
}));
withFastPath(DelegateArgsSchema, delegateArgsFastPath);

/** Parsed arguments of `delegate`. */
export type DelegateArgs = z.output<typeof DelegateArgsSchema>;

const DELEGATE_KEYS: ReadonlySet<string> = new Set(['name', 'query', 'context', 'instructions']);

/**
 * The fast path of `DelegateArgsSchema` (see `schema/fast-path.ts`): what the REPL sends for an
 * ordinary `delegate(...)`, checked without building the schema. Keep in step with the schema.
 */
function delegateArgsFastPath(value: unknown): DelegateArgs | undefined {
  if (!isPlainObject(value) || !onlyKeys(value, DELEGATE_KEYS)) return undefined;
  const { name, query, context, instructions } = value;
  if (typeof name !== 'string' || name.length === 0 || typeof query !== 'string') return undefined;
  if (instructions !== undefined && instructions !== null && typeof instructions !== 'string') return undefined;
  let ctx: Context | null = null;
  if (typeof context === 'string') ctx = context;
  else if (Array.isArray(context)) {
    for (let i = 0; i < context.length; i++) if (typeof context[i] !== 'string') return undefined;
    ctx = [...(context as string[])];
  } else if (context !== undefined && context !== null) return undefined;
  return { name, query, context: ctx, instructions: instructions ?? null };
}

/** Characters of a context (all documents), as `delegate` and `ask` record it instead of the context itself. */
export function contextLength(context: Context): number {
  return typeof context === 'string' ? context.length : context.reduce((n, d) => n + d.length, 0);
}

/** `delegate`: the child's id; refused (`DelegateError`) at the depth limit. */
export const delegateHostCall = defineHostCall({
  name: 'delegate',
  description: 'start a child agent; the answer is its id (a handle for wait)',
  args: DelegateArgsSchema,
  answer: withFastPath(lazySchema(() => z.string()), (v) => (typeof v === 'string' ? v : undefined)),
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
