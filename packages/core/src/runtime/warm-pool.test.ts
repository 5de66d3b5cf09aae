import { describe, expect, it } from 'vitest';
import { WarmPool } from './warm-pool.ts';

describe('WarmPool', () => {
  it('hands out started items, skips dead and failed ones, and refills', async () => {
    let n = 0;
    const discarded: number[] = [];
    const pool = new WarmPool<number>({
      size: 3,
      start: async () => {
        n += 1;
        if (n === 2) throw new Error('could not start');
        return n;
      },
      usable: (i) => i !== 1,
      discard: (i) => discarded.push(i),
    });
    expect(n).toBe(3); // filled at once
    expect(await pool.take()).toBe(3); // 1 unusable (discarded), 2 failed
    expect(discarded).toEqual([1]);
    expect(pool.pending).toHaveLength(3); // refilled
    const left = await pool.drain();
    expect(left).toEqual([4, 5, 6]);
    expect(await pool.take()).toBeUndefined(); // drained and closed: no refill
    expect(n).toBe(6);
  });

  it('runs at most maxStarting starts at once, and makes none still queued when drained', async () => {
    let running = 0;
    let most = 0;
    let made = 0;
    const releases: (() => void)[] = [];
    const pool = new WarmPool<number>({
      size: 5,
      maxStarting: 2,
      start: async () => {
        made += 1;
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((r) => releases.push(r));
        running -= 1;
        return made;
      },
    });
    await new Promise((r) => setImmediate(r));
    expect(made).toBe(2); // 3 more queued
    releases.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(made).toBe(3);
    const drained = pool.drain(); // the 2 still queued are not made
    while (releases.length) releases.shift()!();
    expect(await drained).toHaveLength(3);
    expect(made).toBe(3);
    expect(most).toBe(2);
    expect(() => new WarmPool({ size: 1, maxStarting: 0, start: async () => 1 })).toThrow(/maxStarting must be a positive integer, got 0/);
  });

  it('does nothing with size 0', async () => {
    const pool = new WarmPool<number>({ size: 0, start: async () => 1 });
    expect(await pool.take()).toBeUndefined();
  });
});
