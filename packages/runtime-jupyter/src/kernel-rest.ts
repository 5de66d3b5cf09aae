/**
 * The kernel REST calls the runtime needs (start, interrupt, shut down), made through
 * `@jupyterlab/services`' `ServerConnection.makeRequest`. Not services' `KernelAPI`: on an error
 * response that prints the server's traceback with `console.error`, which would land in the
 * host's own output (a kernel that died is routinely refused a shutdown by jupyter-server 1.x).
 */
import { ServerConnection } from '@jupyterlab/services';
import type { JupyterServerInfo } from './server-info.ts';

async function request(server: JupyterServerInfo, path: string, method: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
  return ServerConnection.makeRequest(`${server.baseUrl}${path}`, init, server.settings);
}

async function failure(res: Response, what: string): Promise<Error> {
  const data = (await res.json().catch(() => ({}))) as { message?: string };
  return new Error(`${what}: HTTP ${res.status}${data.message ? ` ${data.message}` : ''}`);
}

/**
 * Starts a kernel of the named spec; returns its id.
 * @throws Error with the HTTP status when the server refuses (unknown kernel name, bad token).
 */
export async function startKernel(server: JupyterServerInfo, name: string): Promise<string> {
  const res = await request(server, 'api/kernels', 'POST', { name });
  if (res.status !== 201) throw await failure(res, `starting a ${name} kernel`);
  const model = (await res.json()) as { id?: unknown };
  if (typeof model.id !== 'string') throw new Error(`starting a ${name} kernel: the server's reply has no kernel id`);
  return model.id;
}

/** Interrupts a kernel (SIGINT for ipykernel). Never rejects: a kernel already gone is fine. */
export async function interruptKernel(server: JupyterServerInfo, id: string): Promise<void> {
  await request(server, `api/kernels/${encodeURIComponent(id)}/interrupt`, 'POST').then(
    (res) => res.body?.cancel(),
    () => {},
  );
}

/**
 * Shuts a kernel down. jupyter-server 1.x refuses (HTTP 500) while it is restarting a kernel
 * that died, so a refusal is retried a few times, 500 ms apart. Never rejects.
 */
export async function shutdownKernel(server: JupyterServerInfo, id: string): Promise<void> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const res = await request(server, `api/kernels/${encodeURIComponent(id)}`, 'DELETE').catch(() => null);
    if (!res) return; // server gone
    await res.body?.cancel();
    if (res.status === 204 || res.status === 404) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
