/**
 * Processes that agent code starts (subprocess.Popen, os.fork) die with the subprocess runtime,
 * with the fork server (the default) and without it, instead of being re-parented to pid 1 and
 * outliving the run and the CLI (as on main before).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { HostCallHandler } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { isAlive } from './helpers/processes.ts';

const NO_HOST: HostCallHandler = async (call) => {
  throw new Error(`unexpected host call ${call.name}`);
};
const started: number[] = [];
afterAll(() => {
  for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

describe.each([{ fork: true }, { fork: false }])('agent-forked processes (fork server: $fork)', ({ fork }) => {
  it('are killed when the runtime closes', async () => {
    const runtime = new SubprocessRuntime({ fork, poolSize: 0, interruptGraceMs: 500 });
    const repl = await runtime.open({ agentId: 'root', context: '', tools: [], maxOutputChars: 4000 });
    const code = `import os, subprocess\np = subprocess.Popen(['sleep', '300'])\npid = os.fork()\nif pid == 0:\n    import time\n    time.sleep(300)\n    os._exit(0)\nprint(p.pid, pid)`;
    const r = await repl.execute(code, NO_HOST, { cell: 0, timeoutMs: 20_000 });
    expect(r.status).toBe('ok');
    const pids = r.output.trim().split(/\s+/).map(Number);
    started.push(...pids);
    expect(pids.every(isAlive)).toBe(true);
    await repl.close();
    await runtime.close();
    const deadline = Date.now() + 5000;
    while (pids.some(isAlive) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    // Zombies of a killed group are reaped by pid 1; `kill -0` fails once they are gone.
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('a REPL that exits while a process it forked holds its pipes is reported crashed at once, not at the timeout', async () => {
    const runtime = new SubprocessRuntime({ fork, poolSize: 0, interruptGraceMs: 500 });
    const repl = await runtime.open({ agentId: 'root', context: '', tools: [], maxOutputChars: 4000 });
    const code = `import os, time\nif os.fork() == 0:\n    time.sleep(60)\n    os._exit(0)\nos._exit(3)`;
    const started = Date.now();
    const r = await repl.execute(code, NO_HOST, { cell: 0, timeoutMs: 30_000 });
    expect(r.status).toBe('crashed');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(repl.alive).toBe(false);
    await repl.close();
    await runtime.close();
  });
});
