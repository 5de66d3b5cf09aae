/**
 * The fork server's environment (fork-server.ts `withHugePages`): the server runs with glibc's
 * huge-page tunable, so a REPL's big allocation (a decoded context) is backed by huge pages where
 * the kernel allows them, while agent code sees the `GLIBC_TUNABLES` it was given, or none.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Repl } from '@rlmtree/core';
import { SubprocessRuntime } from './subprocess-runtime.ts';
import { withHugePages } from './fork-server.ts';

const host = async () => ({ ok: false as const, error: 'no host calls here' });
const runtimes: SubprocessRuntime[] = [];
afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close()));
});

async function output(env: Record<string, string> | undefined, code: string): Promise<string> {
  const runtime = new SubprocessRuntime(env ? { env } : {});
  runtimes.push(runtime);
  const repl: Repl = await runtime.open({ agentId: 'a', context: '', tools: [], maxOutputChars: 10_000 });
  const r = await repl.execute(code, host, { cell: 0, timeoutMs: 30_000 });
  await repl.close();
  if (r.status !== 'ok') throw new Error(`${r.status}: ${r.error?.message ?? r.message}`);
  return r.output.trim();
}

const ENV = 'import os, json\nprint(json.dumps([os.environ.get("GLIBC_TUNABLES"), os.environ.get("RLMTREE_GLIBC_TUNABLES")]))';
/** Transparent huge pages are on for madvised memory here (`madvise` or `always`, not `never`). */
const thp = (() => {
  try {
    return !readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').includes('[never]');
  } catch {
    return false;
  }
})();

describe.runIf(process.platform === 'linux')('the fork server environment', () => {
  it('adds the huge-page tunable for the server alone, keeping a tunable of the user and one that sets it', () => {
    expect(withHugePages({ A: '1' })).toEqual({ A: '1', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1', RLMTREE_GLIBC_TUNABLES: 'null' });
    expect(withHugePages({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toEqual({
      GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1',
      RLMTREE_GLIBC_TUNABLES: '"glibc.malloc.arena_max=2"',
    });
    const own = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' };
    expect(withHugePages(own)).toBe(own);
  });

  it("agent code sees the user's GLIBC_TUNABLES, or none, and not the runtime's", async () => {
    const saved = process.env.GLIBC_TUNABLES;
    delete process.env.GLIBC_TUNABLES;
    try {
      expect(JSON.parse(await output(undefined, ENV))).toEqual([null, null]);
      expect(JSON.parse(await output({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, ENV))).toEqual(['glibc.malloc.arena_max=2', null]);
    } finally {
      if (saved !== undefined) process.env.GLIBC_TUNABLES = saved;
    }
  });

  it.runIf(thp)('a REPL holds a 10 MB str in huge pages', async () => {
    const code = [
      's = "x" * 10_000_000',
      'import re',
      'print(sum(int(n) for n in re.findall(r"^AnonHugePages:\\s+(\\d+) kB", open("/proc/self/smaps").read(), re.M)))',
    ].join('\n');
    expect(Number(await output(undefined, code))).toBeGreaterThanOrEqual(2048);
  });
});
