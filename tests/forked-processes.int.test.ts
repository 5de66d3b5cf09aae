/**
 * Processes that agent code starts (subprocess.Popen, os.fork) die with the subprocess runtime,
 * with the fork server (the default) and without it, instead of being re-parented to pid 1 and
 * outliving the run and the CLI (as on main before). That holds for code that leaves the REPL's
 * process group (`setsid()`, a double fork) too, and when the host itself is killed with SIGKILL
 * (rlmtree_reaper.py: the REPL's guard or the fork server is a child subreaper).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import type { CellResult, HostCallHandler } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { ROOT } from './helpers/cli.ts';
import { ESCAPING_CELL, isAlive } from './helpers/processes.ts';

/** The pids an ESCAPING_CELL printed: the REPL's, then the two escaped processes'. */
function escaped(r: CellResult): number[] {
  expect(r.status).toBe('ok');
  const [repl, a, g, ownGroup, ownSession] = r.output.trim().split(/\s+/);
  expect([ownGroup, ownSession]).toEqual(['True', 'True']); // they did leave the REPL's group and session
  return [repl, a, g].map(Number);
}

/** Waits (bounded, 5 s) until none of `pids` is alive; returns the ones still alive then. */
async function gone(pids: number[]): Promise<number[]> {
  const deadline = Date.now() + 5000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  return pids.filter(isAlive);
}

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

  it('a setsid child and a double-forked child are killed when the REPL closes', async () => {
    const runtime = new SubprocessRuntime({ fork, poolSize: 0, interruptGraceMs: 500 });
    const repl = await runtime.open({ agentId: 'root', context: '', tools: [], maxOutputChars: 4000 });
    const [, ...pids] = escaped(await repl.execute(ESCAPING_CELL, NO_HOST, { cell: 0, timeoutMs: 20_000 }));
    started.push(...pids);
    expect(pids.every(isAlive)).toBe(true);
    await repl.close();
    // Gone with the REPL itself, before the runtime closes.
    expect(await gone(pids)).toEqual([]);
    await runtime.close();
  });

  it('a setsid child and a double-forked child are killed when the host is killed with SIGKILL, and nothing is printed after it', async () => {
    // stderr is the user's terminal in real use (the fork server inherits it): nothing may land there once the host is gone.
    const host = spawn(process.execPath, [join(ROOT, 'tests/fixtures/forking-host.ts'), fork ? 'fork' : 'spawn', ESCAPING_CELL], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    host.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const stderrClosed = new Promise((res) => host.stderr!.once('close', res));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: host.stdout! }).once('line', resolve);
      host.once('exit', (code) => reject(new Error(`the host exited with ${code} before the cell ran`)));
    });
    const pids = escaped(JSON.parse(line) as CellResult);
    started.push(...pids);
    expect(pids.every(isAlive)).toBe(true);
    const exited = new Promise((res) => host.once('exit', res));
    host.kill('SIGKILL');
    await exited;
    // The REPL and both escaped processes, with no host left to clean up.
    expect(await gone(pids)).toEqual([]);
    // Closed once every process that held it (fork server, REPLs) is gone.
    await Promise.race([stderrClosed, new Promise((res) => setTimeout(res, 10_000))]);
    expect(stderr).toBe('');
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
