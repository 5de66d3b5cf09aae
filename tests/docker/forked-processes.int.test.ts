/**
 * On the docker runtime, processes that agent code starts outside the REPL's process group
 * (`setsid()`, a double fork) die with the container: when the runtime closes, and when the host
 * (`rlmtree run`) is killed with SIGKILL and never cleans up (the container's pid 1 sees its
 * `docker run -i` client go and exits; `--rm` removes the container). Checked with the host pids
 * `docker top` lists for the container.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostCallHandler } from '@rlmtree/core';
import { DockerRuntime } from '@rlmtree/runtime-python';
import { BIN, ROOT } from '../helpers/cli.ts';
import { needs, skipNote } from '../helpers/parts.ts';
import { ESCAPING_CELL, isAlive } from '../helpers/processes.ts';

const NO_HOST: HostCallHandler = async (call) => {
  throw new Error(`unexpected host call ${call.name}`);
};

/** Containers a host process started (`rlmtree-<its pid>-<hex>`, docker-container.ts). */
const containersOf = (pid: number) =>
  execFileSync('docker', ['ps', '-a', '--filter', `name=^rlmtree-${pid}-`, '--format', '{{.Names}}'], { encoding: 'utf8' }).split('\n').filter(Boolean);

/** Host pid and command line of every process in a container. */
function processesIn(name: string): { pid: number; args: string }[] {
  const out = execFileSync('docker', ['top', name, '-eo', 'pid,args'], { encoding: 'utf8' });
  return out
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => {
      const [pid, ...args] = l.trim().split(/\s+/);
      return { pid: Number(pid), args: args.join(' ') };
    });
}

/** Waits (bounded) until `test` holds; returns whether it did. */
async function until(test: () => boolean, ms = 30_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!test() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return test();
}

const missing = needs('docker');
describe.skipIf(missing)(`docker: agent-forked processes die with the container${skipNote(missing)}`, () => {
  it('when the runtime closes', async () => {
    const runtime = new DockerRuntime({ poolSize: 0 });
    const repl = await runtime.open({ agentId: 'root', context: '', tools: [], maxOutputChars: 4000 });
    const r = await repl.execute(ESCAPING_CELL, NO_HOST, { cell: 0, timeoutMs: 60_000 });
    expect(r.status).toBe('ok');
    expect(r.output.trim().split(/\s+/).slice(3)).toEqual(['True', 'True']);
    const [name] = containersOf(process.pid);
    const inside = processesIn(name!);
    expect(inside.some((p) => p.args === 'sleep 300')).toBe(true);
    await repl.close();
    await runtime.close();
    // Bounded: the daemon may still list a container being removed (vfs removal takes a while).
    expect(await until(() => containersOf(process.pid).length === 0)).toBe(true);
    expect(await until(() => !inside.some((p) => isAlive(p.pid)), 10_000)).toBe(true);
  }, 120_000);

  it('when the host is killed with SIGKILL', async () => {
    const policy = join(ROOT, 'tests/fixtures/escaping-policy.mjs');
    const host = spawn(process.execPath, [BIN, 'run', 'escape', '--context', join(ROOT, 'examples/data/tinyshakespeare.txt'), '--model', `scripted:${policy}`, '--runtime', 'docker', '--no-live'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    host.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const pid = host.pid!;
    try {
      // The cell runs once its container holds the escaped `sleep 300`.
      let inside: { pid: number; args: string }[] = [];
      const running = await until(() => {
        const [name] = containersOf(pid);
        inside = name ? processesIn(name) : [];
        return inside.some((p) => p.args === 'sleep 300') && inside.length >= 4;
      }, 90_000);
      expect(running, stderr).toBe(true);
      const exited = new Promise((r) => host.once('exit', r));
      host.kill('SIGKILL');
      await exited;
      expect(await until(() => containersOf(pid).length === 0)).toBe(true);
      expect(await until(() => !inside.some((p) => isAlive(p.pid)), 10_000)).toBe(true);
    } finally {
      host.kill('SIGKILL');
      for (const name of containersOf(pid)) execFileSync('docker', ['rm', '-f', name]);
    }
  }, 180_000);
});
