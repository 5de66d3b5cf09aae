/**
 * The kernel REST calls the runtime needs (start, interrupt, shut down), made through
 * `@jupyterlab/services`' `ServerConnection.makeRequest`. Not services' `KernelAPI`: on an error
 * response that prints the server's traceback with `console.error`, which would land in the
 * host's own output (a kernel that died is routinely refused a shutdown by jupyter-server 1.x).
 */
import { DELIVERY_BOUND_MS } from '@rlmtree/core';
import { ServerConnection } from '@jupyterlab/services';
import type { JupyterServerInfo } from './server-info.ts';

/** How long a kernel start may take before its request is given up (ms): a kernel start costs seconds of CPU, more under load. */
export const KERNEL_START_TIMEOUT_MS = 120_000;
/** How long a shutdown request may take before it is given up (ms); an interrupt gets core's `DELIVERY_BOUND_MS`. */
export const KERNEL_SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * One REST call, given up after `timeoutMs`: a server that accepts the connection and never
 * answers must not hang an agent's open, its cell's interrupt or the runtime's close.
 * @throws Error naming the call, the server and the time when no answer came in time.
 */
async function request(server: JupyterServerInfo, path: string, method: string, timeoutMs: number, body?: unknown): Promise<Response> {
  const controller = new AbortController();
  const init: RequestInit = { method, signal: controller.signal, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
  let timer: NodeJS.Timeout | undefined;
  // The wait is raced, not only aborted: on Node 22.23 a fetch made through services after an
  // earlier aborted one did not settle on abort (seen here), so the abort alone cannot be trusted
  // to end the call. The abort still asks fetch to drop the connection.
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`jupyter: ${method} ${server.baseUrl}${path} got no answer in ${timeoutMs / 1000} s (is the server up and answering?)`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([ServerConnection.makeRequest(`${server.baseUrl}${path}`, init, server.settings), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

async function failure(res: Response, what: string): Promise<Error> {
  const data = (await res.json().catch(() => ({}))) as { message?: string };
  return new Error(`${what}: HTTP ${res.status}${data.message ? ` ${data.message}` : ''}`);
}

/**
 * Starts a kernel of the named spec; returns its id.
 * @param timeoutMs how long the server gets to answer (ms)
 * @throws Error with the HTTP status when the server refuses (unknown kernel name, bad token),
 *   or naming the wait when it does not answer within `timeoutMs`.
 */
export async function startKernel(server: JupyterServerInfo, name: string, timeoutMs = KERNEL_START_TIMEOUT_MS): Promise<string> {
  const res = await request(server, 'api/kernels', 'POST', timeoutMs, { name });
  if (res.status !== 201) throw await failure(res, `starting a ${name} kernel`);
  const model = (await res.json()) as { id?: unknown };
  if (typeof model.id !== 'string') throw new Error(`starting a ${name} kernel: the server's reply has no kernel id`);
  return model.id;
}

/**
 * Interrupts a kernel (SIGINT for ipykernel). Never rejects: a kernel already gone is fine, and a
 * server that does not answer within `timeoutMs` (ms) is given up.
 */
export async function interruptKernel(server: JupyterServerInfo, id: string, timeoutMs = DELIVERY_BOUND_MS): Promise<void> {
  await request(server, `api/kernels/${encodeURIComponent(id)}/interrupt`, 'POST', timeoutMs).then(
    (res) => res.body?.cancel(),
    () => {},
  );
}

/**
 * Shuts a kernel down. jupyter-server 1.x refuses (HTTP 500) while it is restarting a kernel
 * that died, so a refusal is retried a few times, 500 ms apart. Never rejects: a server that is
 * gone, or does not answer an attempt within `timeoutMs` (ms), ends it.
 */
export async function shutdownKernel(server: JupyterServerInfo, id: string, timeoutMs = KERNEL_SHUTDOWN_TIMEOUT_MS): Promise<void> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const res = await request(server, `api/kernels/${encodeURIComponent(id)}`, 'DELETE', timeoutMs).catch(() => null);
    if (!res) return; // server gone, or not answering
    await res.body?.cancel();
    if (res.status === 204 || res.status === 404) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
