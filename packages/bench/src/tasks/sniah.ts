/**
 * S-NIAH, single needle in a haystack, after RULER (Hsieh et al., "RULER: What's the Real Context
 * Size of Your Long-Context Language Models?", arXiv 2404.06654): one sentence
 * `One of the special magic numbers for <key> is: <7-digit number>.` placed at a chosen depth of
 * a haystack of a chosen size; the question asks for the number. Scored by `needleScore`.
 */
import { estimateTokens } from '@rlmtree/core';
import { shakespeareSlice } from '../corpus.ts';
import { Rng } from '../rng.ts';
import type { Instance, TaskSpec } from '../task.ts';

/** RULER's "noise" haystack: the same few sentences over and over. */
export const FILLER = 'The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n';

/** Where the haystack text comes from. */
export type Haystack = 'filler' | 'shakespeare';

/** Options of one S-NIAH instance. */
export interface NeedleOptions {
  /** Context size in estimated tokens (chars / 4). */
  sizeTokens: number;
  /** Where the needle goes: 0 = start, 1 = end of the context (fraction of its characters). */
  depth: number;
  haystack: Haystack;
  seed: number;
  index?: number;
}

// RULER's keys are word pairs; these lists are ours.
const ADJECTIVES = ['amber', 'brisk', 'calm', 'dusty', 'eager', 'fuzzy', 'gentle', 'hollow', 'icy', 'jolly', 'keen', 'lucky', 'mellow', 'nimble', 'odd', 'proud', 'quiet', 'rusty', 'silent', 'tidy', 'upbeat', 'vivid', 'wary', 'young', 'zesty'];
const NOUNS = ['anchor', 'badger', 'candle', 'dragon', 'engine', 'falcon', 'garden', 'harbor', 'island', 'jacket', 'kettle', 'lantern', 'meadow', 'needle', 'orchard', 'pepper', 'quarry', 'river', 'saddle', 'teapot', 'umbrella', 'violin', 'walnut', 'yacht', 'zipper'];

/** The needle sentence for `key` and `value`. */
export function needleSentence(key: string, value: string): string {
  return `One of the special magic numbers for ${key} is: ${value}.`;
}

/** The question asked about a needle (RULER's wording). */
export function needleQuestion(key: string): string {
  return `What is the special magic number for ${key} mentioned in the provided text? Answer with the number only.`;
}

/** Whole lines of the haystack source, cycled from a seeded start, up to `chars` characters. */
function haystackLines(kind: Haystack, chars: number, rng: Rng): string[] {
  const source = kind === 'filler' ? [FILLER] : shakespeareSlice().split(/(?<=\n)/);
  const lines: string[] = [];
  let i = kind === 'filler' ? 0 : rng.int(0, source.length - 1);
  let n = 0;
  while (n + source[i % source.length]!.length <= chars) {
    const line = source[i % source.length]!;
    lines.push(line);
    n += line.length;
    i++;
  }
  return lines;
}

/**
 * One S-NIAH instance. The haystack is whole lines filling `sizeTokens * 4` characters less the
 * needle; the needle goes on its own line at the line boundary nearest `depth` of the haystack,
 * so its offset is within one line of `depth * (context length - needle line)`.
 * @throws Error when `depth` is outside [0, 1] or the size is under 64 tokens.
 */
export function makeNeedle(options: NeedleOptions): Instance {
  const { sizeTokens, depth, haystack, seed } = options;
  if (!(depth >= 0 && depth <= 1)) throw new Error(`s-niah: depth must be in [0, 1], got ${depth}`);
  if (!(sizeTokens >= 64)) throw new Error(`s-niah: size must be at least 64 tokens, got ${sizeTokens}`);
  const rng = new Rng(seed);
  const key = `${rng.pick(ADJECTIVES)}-${rng.pick(NOUNS)}`;
  const value = String(rng.int(1_000_000, 9_999_999));
  const needle = `${needleSentence(key, value)}\n`;
  const lines = haystackLines(haystack, sizeTokens * 4 - needle.length, rng);
  const total = lines.reduce((n, l) => n + l.length, 0);
  // The boundary (0..lines.length) whose offset is nearest depth * total.
  let at = 0;
  let offset = 0;
  let best = Math.abs(depth * total);
  for (let i = 0, o = 0; i < lines.length; i++) {
    o += lines[i]!.length;
    const d = Math.abs(o - depth * total);
    if (d < best) [best, at, offset] = [d, i + 1, o];
  }
  const context = [...lines.slice(0, at), needle, ...lines.slice(at)].join('');
  const index = options.index ?? 0;
  return {
    id: `s-niah-${sizeTokens}-${index}`,
    task: 's-niah',
    sizeTokens,
    seed,
    query: needleQuestion(key),
    context,
    gold: value,
    scoreKind: 'needle',
    meta: { key, depth, haystack, needleOffset: offset, contextTokens: estimateTokens(context) },
  };
}

/** The S-NIAH task: depth drawn from 0%, 10%, ..., 100%, haystack alternating filler / Shakespeare. */
export const sniah: TaskSpec = {
  name: 's-niah',
  description: 'single needle in a haystack (RULER): find the 7-digit magic number for a key; exact match',
  generate(sizeTokens, seed, index) {
    const rng = new Rng(seed);
    return makeNeedle({ sizeTokens, seed: rng.int(0, 2 ** 31 - 1), depth: rng.int(0, 10) / 10, haystack: index % 2 === 0 ? 'shakespeare' : 'filler', index });
  },
};
