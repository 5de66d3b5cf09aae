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

  it('does nothing with size 0', async () => {
    const pool = new WarmPool<number>({ size: 0, start: async () => 1 });
    expect(await pool.take()).toBeUndefined();
  });
});
