import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CellWatch, DELIVERY_BOUND_MS } from './cell-watch.ts';

describe('CellWatch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('interrupts at the timeout and kills graceMs later when the interrupt is immediate', () => {
    const calls: string[] = [];
    const watch = new CellWatch({ cell: 0, timeoutMs: 100 }, { interrupt: () => void calls.push('interrupt'), kill: () => void calls.push('kill'), graceMs: 50 });
    vi.advanceTimersByTime(99);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['interrupt']);
    expect(watch.why).toMatch(/100 ms timeout/);
    vi.advanceTimersByTime(49);
    expect(calls).toEqual(['interrupt']);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['interrupt', 'kill']);
    expect(watch.killed).toBe(true);
    watch.dispose();
  });

  it('counts the grace period from the delivery of an interrupt that travels', async () => {
    const calls: string[] = [];
    let deliver!: () => void;
    const delivered = new Promise<void>((resolve) => (deliver = resolve));
    const watch = new CellWatch({ cell: 0, timeoutMs: 10 }, { interrupt: () => (calls.push('interrupt'), delivered), kill: () => void calls.push('kill'), graceMs: 50 });
    vi.advanceTimersByTime(10);
    await vi.advanceTimersByTimeAsync(1000); // the `docker kill` client is still starting
    expect(calls).toEqual(['interrupt']);
    deliver();
    await vi.advanceTimersByTimeAsync(49);
    expect(calls).toEqual(['interrupt']);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['interrupt', 'kill']);
    watch.dispose();
  });

  it('starts the grace period also when the delivery fails, and never after dispose()', async () => {
    const calls: string[] = [];
    const failing = new CellWatch({ cell: 0, timeoutMs: 10 }, { interrupt: () => Promise.reject(new Error('no daemon')), kill: () => void calls.push('killed failing'), graceMs: 20 });
    let deliver!: () => void;
    const late = new CellWatch({ cell: 0, timeoutMs: 10 }, { interrupt: () => new Promise<void>((resolve) => (deliver = resolve)), kill: () => void calls.push('killed late'), graceMs: 20 });
    await vi.advanceTimersByTimeAsync(10);
    late.dispose(); // the cell ended before the interrupt arrived
    deliver();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toEqual(['killed failing']);
    failing.dispose();
  });

  it('starts the grace period DELIVERY_BOUND_MS after an interrupt whose delivery never settles', async () => {
    const calls: string[] = [];
    const watch = new CellWatch({ cell: 0, timeoutMs: 10 }, { interrupt: () => new Promise<void>(() => {}), kill: () => void calls.push('kill'), graceMs: 50 });
    await vi.advanceTimersByTimeAsync(10 + DELIVERY_BOUND_MS + 49);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['kill']);
    watch.dispose();
  });
});
