/**
 * The fork server's `preImports` and `gc.freeze()` (issue 18): the listed modules are loaded in
 * every forked REPL before its first cell, a module that cannot be imported is reported once as a
 * warning (the runtime still works), and the REPL's inherited objects are frozen out of the GC.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import type { Runtime } from '@rlmtree/core';

const host = async () => ({ ok: false as const, error: 'no host calls here' });

/** Runs `code` in a fresh REPL of `runtime` and returns its output. */
async function run(runtime: Runtime, code: string): Promise<string> {
  const repl = await runtime.open({ agentId: 'root', context: '', tools: [], maxOutputChars: 1000 });
  try {
    const r = await repl.execute(code, host, { cell: 0, timeoutMs: 20_000 });
    expect(r.status).toBe('ok');
    return r.output.trim();
  } finally {
    await repl.close();
  }
}

const PROBE = 'import sys, gc\nprint("decimal" in sys.modules, "email.parser" in sys.modules, gc.get_freeze_count() > 0)';

describe('fork server pre-imports', () => {
  const runtimes: Runtime[] = [];
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  afterEach(async () => {
    process.off('warning', onWarning);
    warnings.length = 0;
    await Promise.all(runtimes.splice(0).map((r) => r.close()));
  });

  it('a forked REPL starts with the listed modules loaded and the inherited heap frozen', async () => {
    const plain = new SubprocessRuntime();
    const warm = new SubprocessRuntime({ preImports: ['decimal', 'email.parser'] });
    runtimes.push(plain, warm);
    expect(await run(plain, PROBE)).toBe('False False True');
    expect(await run(warm, PROBE)).toBe('True True True');
  });

  it('a module that fails to import is one warning naming it, and the REPLs still work', async () => {
    process.on('warning', onWarning);
    const runtime = new SubprocessRuntime({ preImports: ['no_such_module_rlmtree', 'decimal'] });
    runtimes.push(runtime);
    expect(await run(runtime, PROBE)).toBe('True False True');
    expect(await run(runtime, 'print(1 + 1)')).toBe('2');
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    const ours = warnings.filter((w) => (w as Error & { code?: string }).code === 'RLMTREE_PRE_IMPORT');
    expect(ours).toHaveLength(1);
    expect(ours[0]!.message).toContain("'no_such_module_rlmtree'");
    expect(ours[0]!.message).toContain('ModuleNotFoundError');
  });
});
