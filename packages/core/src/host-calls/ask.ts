/**
 * `ask(handle, query, context=None) -> AgentHandle`: gives a child another task; the child keeps
 * its REPL and conversation (a persistent sub-agent, openrlm's `run_agent`). The task is the
 * child's next turn: it starts when the cell's segment ends if the child has finished its tasks,
 * else it waits for the ones before it, in order (see `session/tasks.ts`). The answer is the
 * task's handle, `<child id>#<k>`, which `wait` takes.
 */
import { nodeOf } from '../node-table.ts';
import { z } from '../schema/zod.ts';
import { ContextSchema, type Json } from '../schema/state.ts';
import { parseTaskHandle, taskHandle } from '../session/tasks.ts';
import { contextLength } from './delegate.ts';
import { defineHostCall } from './module.ts';
import { lazySchema, real } from '../schema/lazy.ts';

/** Arguments of `ask`. `handle`: the child's handle (from `delegate` or an earlier `ask`); `context: null` keeps the child's input. */
export const AskArgsSchema = lazySchema(() => z.object({
  handle: z.string().min(1),
  query: z.string(),
  context: real(ContextSchema).nullable().default(null),
}));

/** `ask`: the new task's handle; refused (`DelegateError`) for an agent that is not this agent's child. */
export const askHostCall = defineHostCall({
  name: 'ask',
  description: "give a child another task; it keeps its REPL and conversation; the answer is the task's handle for wait",
  args: AskArgsSchema,
  answer: lazySchema(() => z.string()),
  async handle({ handle, query, context }, ctx) {
    const { agentId } = parseTaskHandle(handle);
    const delegatedNow = ctx.cell.delegated.some((d) => d.id === agentId);
    if (!ctx.node.children.includes(agentId) && !delegatedNow) {
      return { answer: { ok: false, error: `ask refused: ${JSON.stringify(handle)} is not a child of agent ${ctx.node.id}; ask takes a handle delegate() returned` } };
    }
    // The child's next turn: after its recorded turns (one, its delegation, when it has none) and this segment's earlier asks.
    const child = nodeOf(ctx.state, agentId);
    const recorded = child?.turns?.length ?? 1;
    const earlier = ctx.cell.asked.filter((a) => a.agentId === agentId).length;
    const task = taskHandle(agentId, recorded + earlier);
    ctx.cell.asked.push({ agentId, handle: task, query, context });
    return { answer: { ok: true, value: task } };
  },
  // The task's input is kept once, in the `asked` entry of the cell's event; the record names its size.
  record: ({ handle, query, context }): Json => ({ handle, query, contextChars: context === null ? null : contextLength(context) }),
  identity: (recorded) => {
    const a = recorded as { handle?: Json; query?: Json };
    return { handle: a.handle ?? null, query: a.query ?? null };
  },
});
