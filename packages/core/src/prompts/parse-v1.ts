/**
 * Reply parsing of prompt version 1, frozen: traces recorded with version 1 fold with exactly
 * these rules. New runs use `parse.ts`.
 */
import type { ParsedReply } from './parse.ts';

// The first fenced block tagged repl or python (```repl, ```python, ```py).
const BLOCK = /```(?:repl|python|py)[ \t]*\r?\n([\s\S]*?)(?:\r?\n)?```/;

/** Splits a reply with version 1's rules: the first tagged block, text after it dropped. Pure. */
export function parseReplyV1(text: string): ParsedReply {
  const m = BLOCK.exec(text);
  if (!m) return { kept: text, code: null, blocks: 0, final: null };
  const code = m[1]!;
  const empty = code.trim() === '';
  return { kept: text.slice(0, m.index + m[0].length), code: empty ? null : code, blocks: empty ? 0 : 1, final: null };
}
