/**
 * How a local JupyterRuntime picks its path when the optional `zeromq` package is missing: the
 * default falls back to a local server and says why once (a process warning), `direct: true`
 * fails naming the package. No Jupyter needed: the server command does not exist, so the
 * fallback shows itself by failing with that command's name.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('zeromq', () => {
  throw new Error("Cannot find package 'zeromq'");
});

const { JupyterRuntime } = await import('./jupyter-runtime.ts');
const local = { command: '/nonexistent/jupyter-server', startTimeoutMs: 5_000 };

describe('JupyterRuntime without the zeromq package', () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  afterEach(() => void process.off('warning', onWarning));

  it('falls back to a local server by default, with one warning naming the package', async () => {
    for (let i = 0; i < 2; i++) {
      const runtime = new JupyterRuntime({ poolSize: 0, local });
      await expect(runtime.ready()).rejects.toThrow(/nonexistent\/jupyter-server/);
      await runtime.close();
    }
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    const ours = warnings.filter((w) => (w as Error & { code?: string }).code === 'RLMTREE_JUPYTER_NO_DIRECT');
    expect(ours).toHaveLength(1);
    expect(ours[0]!.message).toMatch(/zeromq package is not installed.*direct: false/);
  });

  it('fails with direct: true, saying how to install it', async () => {
    const runtime = new JupyterRuntime({ poolSize: 0, direct: true, local });
    await expect(runtime.ready()).rejects.toThrow(/need the zeromq package .*npm install zeromq/);
    await expect(runtime.open({ agentId: 'root', context: '', tools: [], maxOutputChars: 100 })).rejects.toThrow(/zeromq/);
    await runtime.close();
  });
});
