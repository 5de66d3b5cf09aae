import { describe, expect, it } from 'vitest';
import type { Repl, Runtime } from '@rlmtree/core';
import { CallerRuntimes, leaseRuntime } from './caller-runtimes.ts';

/** A runtime that records its close; `closeMs` makes the close take that long (ms). */
class Recorded implements Runtime {
  readonly name = 'recorded';
  closed = false;
  closeDone = false;
  readonly id: number;
  private readonly closeMs: number;
  constructor(id: number, closeMs = 0) {
    this.id = id;
    this.closeMs = closeMs;
  }
  open(): Promise<Repl> {
    throw new Error('not used');
  }
  async close(): Promise<void> {
    this.closed = true;
    await new Promise((r) => setTimeout(r, this.closeMs));
    this.closeDone = true;
  }
}

function maker(closeMs = 0) {
  const made: Recorded[] = [];
  return { made, create: async () => made[made.push(new Recorded(made.length, closeMs)) - 1]! };
}

describe('CallerRuntimes', () => {
  it('gives each caller a runtime of its own, and release closes it', async () => {
    const { made, create } = maker();
    const callers = new CallerRuntimes({ create, warm: 0 });
    const [a, b] = await Promise.all([callers.acquire(), callers.acquire()]);
    expect(a.runtime).not.toBe(b.runtime);
    await a.release();
    await a.release(); // idempotent
    expect(made.map((r) => r.closed)).toEqual([true, false]);
    await callers.close();
    expect(made.every((r) => r.closeDone)).toBe(true); // the one still handed out too
  });

  it('hands out the given first runtime, then warm spares, and refills them', async () => {
    const { made, create } = maker();
    const first = new Recorded(-1);
    const callers = new CallerRuntimes({ create, warm: 1, first });
    await callers.ready();
    expect(made).toHaveLength(1);
    expect((await callers.acquire()).runtime).toBe(first);
    expect((await callers.acquire()).runtime).toBe(made[0]);
    await callers.ready();
    expect(made).toHaveLength(2); // the spare taken was replaced
    await callers.close();
    expect([first, ...made].every((r) => r.closeDone)).toBe(true);
    await expect(callers.acquire()).rejects.toThrow(/after close/);
  });

  it('close waits for released runtimes that are still closing', async () => {
    const { made, create } = maker(50);
    const callers = new CallerRuntimes({ create, warm: 0 });
    const lease = await callers.acquire();
    void lease.release();
    expect(made[0]!.closeDone).toBe(false);
    await callers.close();
    expect(made[0]!.closeDone).toBe(true);
  });

  it('a plain runtime is shared: every lease is that runtime and release leaves it open', async () => {
    const shared = new Recorded(0);
    const lease = await leaseRuntime(shared);
    expect(lease.runtime).toBe(shared);
    await lease.release();
    expect(shared.closed).toBe(false);
  });
});
