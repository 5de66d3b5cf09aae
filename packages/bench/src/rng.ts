/**
 * Seeded randomness for the task generators: the same seed gives the same instance on every
 * machine and Node version. Backed by pure-rand's xoroshiro128+ (Blackman & Vigna) with its
 * unbiased `uniformInt`.
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** A seeded random source; each method advances it. */
export class Rng {
  private readonly gen: ReturnType<typeof xoroshiro128plus>;

  /** @param seed any 32-bit integer (larger values are reduced by pure-rand). */
  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }

  /** A whole number in `[from, to]`, both included. */
  int(from: number, to: number): number {
    return uniformInt(this.gen, from, to);
  }

  /** One element of a non-empty list. @throws Error when `items` is empty. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** A shuffled copy of `items` (Fisher-Yates, Knuth vol. 2 §3.4.2 algorithm P). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

/**
 * The seed of instance `index` of a task at a size, derived from the run's seed, so an instance
 * can be regenerated alone (FNV-1a 32-bit over the parts; Fowler, Noll, Vo).
 */
export function instanceSeed(seed: number, task: string, sizeTokens: number, index: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}|${task}|${sizeTokens}|${index}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
