/**
 * Output written straight to file descriptors 1 and 2 (os.write, a child process) is capped like
 * print() output and counted at its true length, on the subprocess runtime without the fork
 * server (stdio transport) and on Docker (on main before, Docker put about 1 MiB of a 200 MB
 * os.write into later cells with a wrong stated length).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostCallHandler, Runtime } from '@rlmtree/core';
import { DockerRuntime, SubprocessRuntime } from '@rlmtree/runtime-python';
import { needs, skipNote } from './helpers/parts.ts';

const NO_HOST: HostCallHandler = async (call) => {
  throw new Error(`unexpected host call ${call.name}`);
};
const noDocker = needs('docker');
const runtimes: [string, () => Runtime, string | undefined][] = [
  ['subprocess (stdio)', () => new SubprocessRuntime({ fork: false, poolSize: 0 }), undefined],
  ['docker', () => new DockerRuntime({ poolSize: 0 }), noDocker],
];

for (const [name, make, missing] of runtimes) describe.skipIf(missing)(`raw fd output on ${name}${skipNote(missing)}`, () => {
  let runtime: Runtime;
  beforeAll(() => {
    runtime = make();
  });
  afterAll(() => runtime?.close());

  it('is capped head + tail with its true length, and nothing spills into the next cell', async () => {
    const repl = await runtime.open({ agentId: 'root', context: '', tools: [], maxOutputChars: 2000 });
    const n = 20_000_000;
    const code = `import os, subprocess\nos.write(1, b"A" * ${n / 2})\nos.write(2, b"B" * ${n / 2})\nsubprocess.run(["echo", "from a child"])\nprint("printed")`;
    const r = await repl.execute(code, NO_HOST, { cell: 0, timeoutMs: 60_000 });
    expect(r.status).toBe('ok');
    expect(r.output.length).toBeLessThan(4000);
    expect(r.outputChars).toBeGreaterThanOrEqual(n);
    expect(r.output).toContain('printed');
    const next = await repl.execute('print("second")', NO_HOST, { cell: 1, timeoutMs: 30_000 });
    expect(next.output.trim()).toBe('second');
    expect(next.outputChars).toBeLessThan(100);
    await repl.close();
  });
});
