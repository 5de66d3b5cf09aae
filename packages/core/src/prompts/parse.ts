/** Finding the code in a model's reply. */

/** A reply split into the text up to the end of its first code block, and that block's code. */
export interface ParsedReply {
  /** The reply up to and including the first ```repl / ```python block (the whole reply if none). */
  kept: string;
  /** The code of that block, or null when the reply has none. */
  code: string | null;
}

// The first fenced block tagged repl or python (```repl, ```python, ```py). Text after it is
// dropped: models tend to invent the "output" of their own code there.
const BLOCK = /```(?:repl|python|py)[ \t]*\r?\n([\s\S]*?)(?:\r?\n)?```/;

/** Splits a model reply; see `ParsedReply`. Pure. */
export function parseReply(text: string): ParsedReply {
  const m = BLOCK.exec(text);
  if (!m) return { kept: text, code: null };
  const code = m[1]!;
  return { kept: text.slice(0, m.index + m[0].length), code: code.trim() === '' ? null : code };
}
