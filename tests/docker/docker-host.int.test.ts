/**
 * DOCKER_HOST is honoured: the runtime reaches the daemon through a TCP endpoint on this
 * machine's loopback (a relay to the local daemon's socket standing in for a remote Docker host),
 * and every docker call goes through it.
 */
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '@rlmtree/runtime-python';
import { needs, skipNote } from '../helpers/parts.ts';

const missing = needs('docker');
describe.skipIf(missing)(`docker-host${skipNote(missing)}`, () => {
  const LOCAL = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice('unix://'.length) : '/var/run/docker.sock';
  let relay: Server;
  let connections = 0;
  const saved = process.env.DOCKER_HOST;

  beforeAll(async () => {
    relay = createServer((client) => {
      connections++;
      const daemon = connect(LOCAL);
      client.pipe(daemon).pipe(client);
      client.on('error', () => daemon.destroy());
      daemon.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${(relay.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
    await new Promise<void>((resolve) => relay.close(() => resolve()));
  });

  it('runs REPLs on the daemon DOCKER_HOST names', async () => {
    const runtime = new DockerRuntime({ poolSize: 0 });
    try {
      const repl = await runtime.open({ agentId: 'root', context: 'far away', tools: [], maxOutputChars: 1000 });
      const r = await repl.execute('print(CONTEXT.upper())', async () => ({ ok: false, error: 'none' }), { cell: 0, timeoutMs: 30_000 });
      expect(r.status).toBe('ok');
      expect(r.output.trim()).toBe('FAR AWAY');
      expect(connections).toBeGreaterThanOrEqual(2); // the container's start and the REPL's exec
      await repl.close();
    } finally {
      await runtime.close();
    }
  });
});
