/**
 * `ReplayLLM`: an `LLMClient` that answers from a recorded trace, for running a recorded run
 * again (against a changed prompt, engine or runtime) and seeing where it diverges. Each agent's
 * model calls are answered in the order they were recorded, and `llm_query` sub-calls with the
 * recorded replies; a prompt that differs from the record is a divergence, reported with the
 * agent, the call and the first message that differs.
 */
import { LLMError, zeroUsage, type Completion, type CompletionRequest, type LLMClient } from '../llm/client.ts';
import { reduceAll } from '../reduce.ts';
import { modelMessages } from '../session/compact.ts';
import type { RecordedSubCall } from '../host-calls/module.ts';
import { builtinHostCalls, type HostCallRegistry } from '../host-calls/registry.ts';
import type { ChatMessage } from '../schema/state.ts';
import type { Trace } from './format.ts';
import { replay } from './replay.ts';

/** A model call of a replayed run asked for something the record does not hold. */
export class LLMReplayDivergedError extends LLMError {
  /** The agent whose recorded call differs (null when no recorded call resembles the prompt). */
  readonly agentId: string | null;
  /** @param detail which call and which message differ. */
  constructor(agentId: string | null, detail: string) {
    super('replay', `replay diverged: ${agentId ? `agent ${agentId}, ` : ''}${detail}`);
    this.name = 'LLMReplayDivergedError';
    this.agentId = agentId;
  }
}

/** A recorded model call: the agent's own, or a sub-call a host call module found in a record. */
type Recorded = Omit<RecordedSubCall, 'messages'> & { messages: readonly ChatMessage[] };

interface Queue {
  /** `root` for an agent's own calls, `root/sub` for its `llm_query` sub-calls. */
  key: string;
  agentId: string;
  calls: Recorded[];
  next: number;
}

/** Answers model calls from a trace. Usage and model names are the recorded ones. */
export class ReplayLLM implements LLMClient {
  readonly name = 'replay';
  private readonly queues: Queue[];
  private answered = 0;

  /**
   * @param trace a trace (`readTrace`) or one built in memory; its states are replayed once here.
   * @param hostCalls the host calls the run was recorded with (default: the built-in ones); each
   *   module's `subCalls` says which recorded sub-calls a call holds.
   */
  constructor(trace: Pick<Trace, 'header' | 'steps'>, hostCalls: HostCallRegistry = builtinHostCalls()) {
    const byKey = new Map<string, Queue>();
    const queue = (agentId: string, sub: boolean): Queue => {
      const key = sub ? `${agentId}/sub` : agentId;
      let q = byKey.get(key);
      if (!q) byKey.set(key, (q = { key, agentId, calls: [], next: 0 }));
      return q;
    };
    const states = replay(trace);
    trace.steps.forEach((step, i) => {
      // Interventions come first in a step; the model saw the state after them.
      // Interventions and new session turns come first in a step; the model saw the state after them.
      const lead = step.events.findIndex((e) => e.type !== 'intervened' && e.type !== 'turn_started');
      const seen = lead > 0 ? reduceAll(states[i]!, step.events.slice(0, lead)) : states[i]!;
      // What the engine sent: a session's earlier turns compacted (session/compact.ts).
      const sent = (agentId: string) => modelMessages(seen.nodes[agentId]!, seen.session?.compaction);
      for (const e of step.events) {
        if (e.type === 'llm_replied') {
          queue(e.agentId, false).calls.push({ messages: sent(e.agentId), answer: { ok: true, text: e.text }, usage: e.usage, ...(e.model ? { model: e.model } : {}) });
        } else if (e.type === 'llm_failed') {
          queue(e.agentId, false).calls.push({ messages: sent(e.agentId), answer: { ok: false, error: e.message }, usage: zeroUsage() });
        } else if (e.type === 'cell_ran') {
          for (const call of e.calls) {
            for (const sub of hostCalls.get(call.name)?.subCalls?.(call) ?? []) queue(e.agentId, true).calls.push(sub);
          }
        }
      }
    });
    this.queues = [...byKey.values()];
  }

  /** Model calls answered so far. */
  get callCount(): number {
    return this.answered;
  }

  /** Recorded calls not answered yet, per agent (`root`, `root/sub` for sub-calls). */
  remaining(): Record<string, number> {
    return Object.fromEntries(this.queues.filter((q) => q.next < q.calls.length).map((q) => [q.key, q.calls.length - q.next]));
  }

  /**
   * The recorded reply to `request.messages`.
   * @throws LLMReplayDivergedError when no agent's next recorded call has these messages;
   *   LLMError (kind `replay`) with the recorded message when the recorded call failed.
   */
  async complete(request: CompletionRequest): Promise<Completion> {
    request.signal?.throwIfAborted();
    const q = this.queues.find((x) => x.next < x.calls.length && same(x.calls[x.next]!.messages, request.messages));
    if (!q) throw this.divergence(request.messages);
    const rec = q.calls[q.next++]!;
    this.answered += 1;
    if (!rec.answer.ok) throw new LLMError('replay', `replay: the recorded call failed: ${rec.answer.error}`);
    request.onToken?.(rec.answer.text);
    return { text: rec.answer.text, usage: rec.usage, ...(rec.model ? { model: rec.model } : {}) };
  }

  private divergence(messages: readonly ChatMessage[]): LLMReplayDivergedError {
    let best: { q: Queue; shared: number } | null = null;
    for (const q of this.queues) {
      const rec = q.calls[q.next];
      if (!rec) continue;
      const shared = commonPrefix(rec.messages, messages);
      if (shared > 0 && (!best || shared > best.shared)) best = { q, shared };
    }
    if (!best) {
      const first = messages.find((m) => m.role === 'user')?.content ?? '';
      return new LLMReplayDivergedError(null, `no recorded model call resembles the prompt ${clip(first)}`);
    }
    const { q, shared } = best;
    const rec = q.calls[q.next]!;
    const what = q.key.endsWith('/sub') ? `sub-call ${q.next}` : `model call ${q.next}`;
    const was = rec.messages[shared];
    const now = messages[shared];
    return new LLMReplayDivergedError(
      q.agentId,
      `${what}: message ${shared} differs: recorded ${was ? `${was.role} ${clip(was.content)}` : 'nothing'}, now ${now ? `${now.role} ${clip(now.content)}` : 'nothing'}`,
    );
  }
}

function same(a: readonly ChatMessage[], b: readonly ChatMessage[]): boolean {
  return a.length === b.length && commonPrefix(a, b) === a.length;
}

function commonPrefix(a: readonly ChatMessage[], b: readonly ChatMessage[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i]!.role === b[i]!.role && a[i]!.content === b[i]!.content) i += 1;
  return i;
}

function clip(text: string): string {
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 99)}…` : text);
}
