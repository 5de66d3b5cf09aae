/**
 * Finding the code (and a final answer) in a model's reply, the way models really write them.
 *
 * Rules (prompt version 2; version 1 used the single regex kept in `parse-v1.ts`):
 * - Reasoning is never code: `<think>…</think>` / `<thinking>…</thinking>` sections, an unclosed
 *   `<think>` to the end, everything before a lone `</think>` (servers that put the opening tag in
 *   the prompt), and a harmony `analysis` channel are removed first.
 * - Chat-template special tokens (`<|im_end|>`, `<|eot_id|>`, `<|endoftext|>`, `</s>`, …) are removed.
 * - A runnable block opens with a fence of 3+ backticks at the start of a line (up to 3 spaces in),
 *   tagged `repl`, `python`, `python3`, `py` or `ipython` (any case). Other fences (```js, bare ```)
 *   are prose and are skipped whole.
 * - The block ends at the first run of 3+ backticks outside a Python string literal or comment
 *   (backticks are not Python syntax, so a fence inside `"…"` or `"""…"""` is part of the code),
 *   or at the end of the reply when the final fence was never closed.
 * - Several blocks in one reply: the FIRST runs; the rest, and any prose after the first block, is
 *   dropped (models invent the "output" of their own code there). `blocks` counts them.
 * - The official RLM's reply-level answer: when the reply's last statement, outside every block, is a
 *   line starting with `FINAL(…)` or `FINAL_VAR(name)`, it is the answer (after the block's code, when
 *   there is exactly one block). Mentions inside code, mid-sentence ("I will then call FINAL(x)") or
 *   followed by more text are not.
 */

/** A reply-level final answer in the official RLM's convention. */
export type FinalMarker =
  /** `FINAL(text)`: the text itself (unquoted when it is one string literal) is the answer. */
  | { kind: 'value'; text: string }
  /** `FINAL_VAR(name)`: the REPL variable `name` is the answer. */
  | { kind: 'var'; name: string };

/** A reply split into what is kept in the conversation and what runs. */
export interface ParsedReply {
  /**
   * The reply as kept in the agent's messages: reasoning and special tokens removed, cut after the
   * first runnable block (plus an accepted final statement); the whole cleaned reply when it has none.
   */
  kept: string;
  /**
   * The code to run: the first block's code, with `done(...)` appended for an accepted final
   * statement (or only that, when the reply had no block); null when nothing runs.
   */
  code: string | null;
  /** Runnable blocks found (only the first runs). */
  blocks: number;
  /** The accepted reply-level final statement, if any. */
  final: FinalMarker | null;
}

const REASONING = [
  /<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi,
  /<\|channel\|>analysis<\|message\|>[\s\S]*?(?:<\|end\|>|$)/g,
];
const UNCLOSED_REASONING = /<(think|thinking|reasoning)>[\s\S]*$/i;
const LONE_CLOSE = /^[\s\S]*?<\/(think|thinking|reasoning)>/i;
// Chat-template tokens: ChatML, Llama 3, Gemma, Mistral/Llama 2, harmony. Role words after a start token go too.
const SPECIAL_TOKENS =
  /<\|(?:im_start|start_header_id|start)\|>(?:assistant|user|system)?(?:<\|end_header_id\|>)?|<\|(?:channel)\|>\w+(?:<\|message\|>)?|<\|[a-z_]+\|>|<\/?s>|<(?:start|end)_of_turn>(?:model)?|\[\/?INST\]/g;
const RUNNABLE_TAGS = new Set(['repl', 'python', 'python3', 'py', 'ipython']);
// An opening fence: indentation, 3+ backticks, an info string.
const FENCE_OPEN = /^( {0,3})(`{3,})[ \t]*([^\n`]*)$/;

/** The reply with reasoning sections and special tokens removed. Pure. */
export function cleanReply(text: string): string {
  // Every pattern below starts with `<` or is `[INST]` / `[/INST]`: a reply with neither (most
  // replies; a `<` in code falls through) is already clean, and skipping five regex scans of it
  // is a fifth of parsing a short reply (issue 18: replay parses every recorded reply again).
  if (!text.includes('<') && !text.includes('INST]')) return text;
  let out = text;
  for (const rx of REASONING) out = out.replace(rx, '');
  out = out.replace(UNCLOSED_REASONING, '');
  out = out.replace(LONE_CLOSE, '');
  return out.replace(SPECIAL_TOKENS, '');
}

interface Block {
  /** Offset of the opening fence's first character. */
  start: number;
  /** Offset just after the closing fence (or the text's end when unclosed). */
  end: number;
  code: string;
  runnable: boolean;
}

/** Splits a model reply; see the module comment for the rules. Pure. */
export function parseReply(text: string): ParsedReply {
  const clean = cleanReply(text);
  const blocks = findBlocks(clean);
  const runnable = blocks.filter((b) => b.runnable && b.code.trim() !== '');
  const first = runnable[0];
  const lastFenceEnd = blocks.length ? blocks[blocks.length - 1]!.end : 0;
  const final = runnable.length <= 1 ? finalStatement(clean, lastFenceEnd) : null;
  const statement = final ? finalCode(final.marker) : null;
  if (!first) {
    const kept = clean.trim() === '' ? text.trim() : clean.trim();
    return { kept, code: statement, blocks: 0, final: final?.marker ?? null };
  }
  const head = clean.slice(0, first.end);
  const kept = final ? `${head}\n${final.line}` : head;
  return { kept: kept.trim(), code: statement ? `${first.code}\n${statement}` : first.code, blocks: runnable.length, final: final?.marker ?? null };
}

/** Every fenced block of `text`, in order. */
function findBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let pos = 0;
  while (pos < text.length) {
    const lineEnd = indexOrEnd(text, '\n', pos);
    if (!mayOpenFence(text, pos)) {
      pos = lineEnd + 1;
      continue;
    }
    const open = FENCE_OPEN.exec(text.slice(pos, lineEnd).replace(/\r$/, ''));
    if (!open) {
      pos = lineEnd + 1;
      continue;
    }
    const indent = open[1]!.length;
    const ticks = open[2]!.length;
    const info = open[3]!.trim();
    const space = info.search(/\s/); // the tag is the info string's first word
    const tag = (space === -1 ? info : info.slice(0, space)).replace(/^\{|\}$/g, '').toLowerCase();
    const runnable = RUNNABLE_TAGS.has(tag);
    const bodyStart = Math.min(lineEnd + 1, text.length);
    const close = runnable ? closingFence(text, bodyStart) : plainClosingFence(text, bodyStart, ticks);
    const body = text.slice(bodyStart, close.at).replace(/\r?\n[ \t]*$/, '');
    blocks.push({ start: pos, end: close.after, code: runnable ? dedent(body.replace(/\r\n/g, '\n'), indent) : body, runnable });
    pos = close.after;
  }
  return blocks;
}

/**
 * False when the line at `pos` cannot match FENCE_OPEN: it does not start with up to 3 spaces and
 * a backtick. Checked before slicing the line out for the regex (most lines are not fences).
 */
function mayOpenFence(text: string, pos: number): boolean {
  let i = pos;
  while (i - pos < 3 && text.charCodeAt(i) === 32) i += 1;
  return text.charCodeAt(i) === BACKTICK;
}

function indexOrEnd(text: string, needle: string, from: number): number {
  const i = text.indexOf(needle, from);
  return i === -1 ? text.length : i;
}

/**
 * Where a Python block ends: the first 3+ backticks outside string literals and comments.
 * A small lexer: `#` comments to the end of the line, '…' / "…" with escapes (ended by a newline
 * too, as Python would reject them), '''…''' / """…""" across lines, any string prefix.
 */
function closingFence(text: string, from: number): { at: number; after: number } {
  // Character codes, and a delimiter compared whole only where its first character is: this loop
  // reads every character of every recorded block again on replay (issue 18).
  let i = from;
  let quote: string | null = null; // the delimiter of the string we are in: ', ", ''' or """
  let quoteCode = 0; // its character
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === BACKSLASH) {
        i += 2;
        continue;
      }
      if (quote.length === 1 && c === NEWLINE) quote = null;
      else if (c === quoteCode && text.startsWith(quote, i)) {
        i += quote.length;
        quote = null;
        continue;
      }
      i += 1;
      continue;
    }
    if (c === HASH) {
      i = indexOrEnd(text, '\n', i);
      continue;
    }
    if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      const triple = c === DOUBLE_QUOTE ? '"""' : "'''";
      quote = text.startsWith(triple, i) ? triple : triple[0]!;
      quoteCode = c;
      i += quote.length;
      continue;
    }
    if (c === BACKTICK && text.startsWith('```', i)) {
      let after = i;
      while (text.charCodeAt(after) === BACKTICK) after += 1;
      return { at: i, after };
    }
    i += 1;
  }
  return { at: text.length, after: text.length };
}

const BACKSLASH = 92;
const NEWLINE = 10;
const HASH = 35;
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;
const BACKTICK = 96;

/** Where a non-Python fenced block ends: a line of at least `ticks` backticks (CommonMark). */
function plainClosingFence(text: string, from: number, ticks: number): { at: number; after: number } {
  const rx = new RegExp(`^ {0,3}\`{${ticks},}[ \\t]*\\r?$`, 'gm');
  rx.lastIndex = from;
  const m = rx.exec(text);
  if (!m) return { at: text.length, after: text.length };
  return { at: m.index, after: m.index + m[0].length };
}

/** Removes up to `indent` leading spaces from each line (the fence's own indentation, as CommonMark does). */
function dedent(code: string, indent: number): string {
  if (indent === 0) return code;
  const rx = new RegExp(`^ {1,${indent}}`, 'gm');
  return code.replace(rx, '');
}

const FINAL_START = /^[ \t]*(FINAL_VAR|FINAL)[ \t]*\(/gm;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The reply's final statement when it is `FINAL(…)` / `FINAL_VAR(name)` on a line of its own,
 * after every fenced block, with nothing but whitespace after its closing parenthesis.
 */
function finalStatement(text: string, from: number): { marker: FinalMarker; line: string } | null {
  // FINAL_START needs the word: most replies have none after their block (matchAll copies the regex).
  if (text.indexOf('FINAL', from) === -1) return null;
  const tail = text.slice(from);
  let last: RegExpExecArray | null = null;
  for (const m of tail.matchAll(FINAL_START)) last = m as RegExpExecArray;
  if (!last) return null;
  const open = last.index + last[0].length;
  const close = matchingParen(tail, open);
  if (close === -1 || tail.slice(close + 1).trim() !== '') return null;
  const inner = tail.slice(open, close).trim();
  const line = tail.slice(last.index, close + 1).trim();
  if (last[1] === 'FINAL_VAR') {
    const name = unquote(inner) ?? inner;
    return IDENTIFIER.test(name) ? { marker: { kind: 'var', name }, line } : null;
  }
  return { marker: { kind: 'value', text: unquote(inner) ?? inner }, line };
}

/** Index of the `)` closing the group opened just before `from`, skipping quoted text; -1 when none. */
function matchingParen(text: string, from: number): number {
  let depth = 1;
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i += 1;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") {
      // An apostrophe inside prose ("don't") must not swallow the rest: quote only at a word start.
      if (ch === "'" && /\w/.test(text[i - 1] ?? '')) continue;
      quote = ch;
    } else if (ch === '(') depth += 1;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The value of one whole Python/JSON string literal, or null when `s` is not one. */
function unquote(s: string): string | null {
  const m = /^(["'])([\s\S]*)\1$/.exec(s);
  if (!m || /(?<!\\)(\\\\)*\\$/.test(m[2]!) || new RegExp(`(?<!\\\\)${m[1]}`).test(m[2]!)) return null;
  return m[2]!.replace(/\\(["'\\])/g, '$1').replace(/\\n/g, '\n').replace(/\\t/g, '\t');
}

/** The Python statement that finishes the agent for a reply-level final answer. */
export function finalCode(marker: FinalMarker): string {
  return marker.kind === 'var' ? `done(${marker.name})` : `done(${JSON.stringify(marker.text)})`;
}
