/** Parsing context sizes (in tokens) from the command line. */

const ONE = /^(?:2\^(\d+)|(\d+)([km])?)$/i;

function parseOne(text: string): number {
  const m = ONE.exec(text.trim());
  if (!m) throw new Error(`size ${JSON.stringify(text)} is not a token count (8192, 8k, 1m or 2^13)`);
  if (m[1] !== undefined) return 2 ** Number(m[1]);
  return Number(m[2]) * (m[3] === undefined ? 1 : m[3].toLowerCase() === 'k' ? 1024 : 1024 ** 2);
}

/**
 * Context sizes in tokens from a comma-separated list of `8192`, `8k` (x1024), `1m` (x1024^2),
 * `2^13`, or a range of powers of two `2^13..2^20` (every power in between).
 * @throws Error naming the item that is not a size, a size under 64 tokens or over 2^24, or an
 *   empty / backward range.
 */
export function parseSizes(text: string): number[] {
  const out: number[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const range = /^2\^(\d+)\s*\.\.\s*2\^(\d+)$/.exec(item);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (b < a) throw new Error(`size range ${item} goes backwards`);
      for (let k = a; k <= b; k++) out.push(2 ** k);
    } else out.push(parseOne(item));
  }
  if (out.length === 0) throw new Error(`no sizes in ${JSON.stringify(text)}`);
  for (const s of out) if (s < 64 || s > 2 ** 24) throw new Error(`size ${s} tokens is outside 64..2^24`);
  return [...new Set(out)];
}
