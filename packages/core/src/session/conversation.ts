/**
 * Telling a continued conversation from a new one: chat APIs send the whole conversation every
 * time, so a request that repeats the previous request's messages and the answer given to it,
 * then adds more, continues that session (its next turn is the new user message). Used by `RLM`
 * in session mode and by `rlmtree serve`.
 */
import type { ChatMessage, Context } from '../schema/state.ts';

/** What a continuing request adds: the new turn's query, and any other new messages as its input. */
export interface Continuation {
  /** The last new user message. */
  query: string;
  /** The other new messages rendered as `role: content` blocks; null when there are none. */
  context: Context | null;
}

/**
 * The new turn `messages` adds to `previous` (the earlier request's messages plus the answer
 * given), or null when `messages` does not start with `previous` or adds no user message. Pure.
 */
export function continuation(previous: readonly ChatMessage[], messages: readonly ChatMessage[]): Continuation | null {
  if (previous.length === 0 || messages.length <= previous.length) return null;
  for (let i = 0; i < previous.length; i++) {
    if (messages[i]!.role !== previous[i]!.role || messages[i]!.content !== previous[i]!.content) return null;
  }
  const added = messages.slice(previous.length);
  const last = added.findLastIndex((m) => m.role === 'user');
  if (last < 0) return null;
  const rest = added.filter((_, i) => i !== last);
  return { query: added[last]!.content, context: rest.length ? rest.map((m) => `${m.role}: ${m.content}`).join('\n\n') : null };
}
