/**
 * Compaction: the messages an agent of a session sends to its model. The current turn goes
 * whole; in earlier turns every user message after the turn's query (cell outputs, which carry
 * whatever sub-call results the code printed) is cut to a few lines and bytes, and an optional
 * token budget drops the oldest earlier messages. The state keeps every message whole, and the
 * REPL's `HISTORY` holds them uncut, so nothing is lost, only kept out of the window. The
 * default budget (20 lines / 1 KB per output) is openrlm's.
 */
import { estimateTokens } from '../llm/scripted.ts';
import type { AgentNode, ChatMessage, Compaction } from '../schema/state.ts';

/** Cuts `text` to `maxLines` lines and `maxBytes` UTF-8 bytes (head kept), saying what was cut and where it is. Pure. */
export function cutMessage(text: string, compaction: Pick<Compaction, 'maxLines' | 'maxBytes'>, historyIndex: number): string {
  const lines = text.split('\n');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (lines.length <= compaction.maxLines && bytes <= compaction.maxBytes) return text;
  let head = lines.slice(0, compaction.maxLines).join('\n');
  if (Buffer.byteLength(head, 'utf8') > compaction.maxBytes) {
    // Cut on a character boundary: decode the byte prefix and drop a split last character.
    head = Buffer.from(head, 'utf8').subarray(0, compaction.maxBytes).toString('utf8').replace(/\uFFFD$/, '');
  }
  return `${head}\n[... cut from ${lines.length} lines / ${bytes} bytes; HISTORY[${historyIndex}] holds the whole message]`;
}

/**
 * The messages to send for `node`'s next model call. A node without turns (or compaction off)
 * sends its messages as they are. Pure; the same node always gives the same messages.
 */
export function modelMessages(node: Pick<AgentNode, 'messages' | 'turns'>, compaction: Compaction | undefined): ChatMessage[] {
  const turns = node.turns;
  if (!compaction?.enabled || !turns || turns.length < 2) return node.messages as ChatMessage[];
  const current = turns[turns.length - 1]!.messageStart;
  const queries = new Set(turns.map((t) => t.messageStart));
  const earlier: { index: number; message: ChatMessage }[] = [];
  for (let i = 1; i < current; i++) {
    const m = node.messages[i]!;
    const cut = m.role === 'user' && !queries.has(i) ? { role: m.role, content: cutMessage(m.content, compaction, i) } : m;
    earlier.push({ index: i, message: cut });
  }
  const kept = compaction.historyTokens === null ? earlier : withinBudget(earlier, compaction.historyTokens);
  return [node.messages[0]!, ...kept.map((e) => e.message), ...node.messages.slice(current)];
}

/**
 * Drops the oldest earlier messages until the rest fit `budget` estimated tokens, and puts one
 * note in their place naming the `HISTORY` slice that holds them. The kept part starts with an
 * assistant message after the note (or the note joins the first kept user message), so roles
 * still alternate for providers that insist on it.
 */
function withinBudget(earlier: { index: number; message: ChatMessage }[], budget: number): { index: number; message: ChatMessage }[] {
  let total = earlier.reduce((n, e) => n + estimateTokens(e.message.content), 0);
  let drop = 0;
  while (drop < earlier.length && total > budget) total -= estimateTokens(earlier[drop++]!.message.content);
  if (drop === 0) return earlier;
  const first = earlier[0]!.index;
  const note = `[${drop} earlier message${drop === 1 ? '' : 's'} left out of this prompt to stay within the history budget; HISTORY[${first}:${first + drop}] holds them]`;
  const rest = earlier.slice(drop);
  const next = rest[0];
  if (next && next.message.role === 'user') {
    return [{ index: next.index, message: { role: 'user', content: `${note}\n\n${next.message.content}` } }, ...rest.slice(1)];
  }
  return [{ index: first, message: { role: 'user', content: note } }, ...rest];
}
