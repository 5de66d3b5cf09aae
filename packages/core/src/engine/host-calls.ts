/**
 * Answering a cell's host calls during a live step: sub-LLM calls, delegation, tools. Every call
 * and its answer is recorded, so the cell can later be re-run with no model, tool or child.
 */
import pLimit from 'p-limit';
import type { LLMClient } from '../llm/client.ts';
import { zeroUsage, addUsage } from '../llm/client.ts';
import type { HostCallHandler, HostCallRequest } from '../runtime/runtime.ts';
import type { ChildSpec } from '../schema/events.ts';
import type { AgentNode, HostAnswer, HostCall, Json, Limits, Usage } from '../schema/state.ts';
import { childId } from './ids.ts';

/** A host function agent code can call as a Python function. */
export interface Tool {
  /** One line for the system prompt and the Python docstring. */
  description: string;
  /**
   * Runs the tool with the positional and keyword arguments from Python (JSON values); returns a
   * JSON value. A throw becomes a `ToolError` raised in the REPL with the error's message.
   */
  run(args: Json[], kwargs: Record<string, Json>): Json | Promise<Json>;
}

/** What the recorder needs from the engine. */
export interface HostCallContext {
  node: AgentNode;
  limits: Limits;
  subLlm: LLMClient;
  tools: Readonly<Record<string, Tool>>;
  /** Bound on concurrent prompts of one `llm_query_batched`. */
  subCallConcurrency: number;
  signal?: AbortSignal;
}

/** A handler for one cell plus what it recorded. */
export interface RecordingHandler {
  handler: HostCallHandler;
  /** Calls made so far, in order, with their answers and usage. */
  calls: HostCall[];
  /** Children delegated so far. */
  delegated: ChildSpec[];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Makes the live host-call handler for one cell (or resumed segment) of `ctx.node`. */
export function recordingHandler(ctx: HostCallContext): RecordingHandler {
  const calls: HostCall[] = [];
  const delegated: ChildSpec[] = [];
  const taken = new Set(ctx.node.children);

  const ask = async (prompt: string, model: string | null): Promise<{ answer: HostAnswer; usage: Usage }> => {
    try {
      const reply = await ctx.subLlm.complete({
        messages: [{ role: 'user', content: prompt }],
        ...(model ? { model } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      return { answer: { ok: true, value: reply.text }, usage: reply.usage };
    } catch (err) {
      return { answer: { ok: false, error: message(err) }, usage: zeroUsage() };
    }
  };

  const answer = async (req: HostCallRequest): Promise<{ args: Json; answer: HostAnswer; usage?: Usage }> => {
    switch (req.name) {
      case 'llm_query': {
        const r = await ask(req.args.prompt, req.args.model);
        return { args: req.args, ...r };
      }
      case 'llm_query_batched': {
        const limit = pLimit(Math.max(1, ctx.subCallConcurrency));
        const results = await Promise.all(req.args.prompts.map((p) => limit(() => ask(p, req.args.model))));
        const usage = results.reduce((u, r) => addUsage(u, r.usage), zeroUsage());
        const value = results.map((r) => r.answer as Json);
        return { args: req.args, answer: { ok: true, value }, usage };
      }
      case 'delegate': {
        const { name, query, context } = req.args;
        // The child's context is kept once, in the ChildSpec; the record names its size only.
        const args = { name, query, contextChars: context === null ? null : lengthOf(context) };
        if (ctx.node.depth >= ctx.limits.maxDepth) {
          return {
            args,
            answer: {
              ok: false,
              error: `delegate refused: agent ${ctx.node.id} is at depth ${ctx.node.depth} and the maximum depth is ${ctx.limits.maxDepth}; use llm_query instead`,
            },
          };
        }
        const id = childId(ctx.node.id, name, taken);
        taken.add(id);
        delegated.push({ id, name, query, context });
        return { args, answer: { ok: true, value: id } };
      }
      case 'tool': {
        const tool = Object.hasOwn(ctx.tools, req.args.tool) ? ctx.tools[req.args.tool] : undefined;
        if (!tool) return { args: req.args, answer: { ok: false, error: `no tool named ${req.args.tool}` } };
        try {
          const value = await tool.run(req.args.args, req.args.kwargs);
          return { args: req.args, answer: { ok: true, value: JSON.parse(JSON.stringify(value ?? null)) as Json } };
        } catch (err) {
          return { args: req.args, answer: { ok: false, error: message(err) } };
        }
      }
    }
  };

  const handler: HostCallHandler = async (req) => {
    const r = await answer(req);
    const call: HostCall = { name: req.name, args: r.args, answer: r.answer };
    if (r.usage && r.usage.llmCalls > 0) call.usage = r.usage;
    calls.push(call);
    return r.answer;
  };
  return { handler, calls, delegated };
}

function lengthOf(context: string | string[]): number {
  return typeof context === 'string' ? context.length : context.reduce((n, d) => n + d.length, 0);
}
