/**
 * The kernel REST calls against a real local HTTP server that accepts every request and never
 * answers (a hung Jupyter server): each call gives up after its timeout instead of hanging.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptKernel, shutdownKernel, startKernel } from './kernel-rest.ts';
import { serverInfo } from './server-info.ts';

let server: Server;
let url: string;
const seen: string[] = [];
const held: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req) => {
    seen.push(`${req.method} ${req.url}`);
    held.push(req); // never answered
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  url = `http://127.0.0.1:${address.port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('kernel REST calls to a server that never answers', () => {
  it('startKernel rejects after its timeout, naming the call, the server and the wait', async () => {
    const info = serverInfo(url, 'token');
    await expect(startKernel(info, 'python3', 300)).rejects.toThrow(`jupyter: POST ${url}api/kernels got no answer in 0.3 s`);
    expect(seen.some((r) => r.startsWith('POST /api/kernels?'))).toBe(true); // services adds a cache buster
  });

  it('interruptKernel and shutdownKernel give up after their timeouts and resolve', async () => {
    const info = serverInfo(url, 'token');
    await expect(interruptKernel(info, 'k1', 200)).resolves.toBeUndefined();
    await expect(shutdownKernel(info, 'k1', 200)).resolves.toBeUndefined();
    expect(seen.some((r) => r.startsWith('POST /api/kernels/k1/interrupt?'))).toBe(true);
    expect(seen.some((r) => r.startsWith('DELETE /api/kernels/k1?'))).toBe(true);
  });
});
