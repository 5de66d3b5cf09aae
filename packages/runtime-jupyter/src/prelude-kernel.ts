/**
 * A kernel started on a server with the rlmtree prelude loaded (modules `rlmtree_prelude` and its
 * transport `rlmtree_jupyter`, from their source, so a remote server needs nothing installed) and `__rlmtree__` bound in the
 * kernel's user namespace. Not yet bound to an agent: that is `KernelRepl.init`, so a pool can
 * keep these warm.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PROTOCOL_VERSION, parseReplMessage } from '@rlmtree/core';
import { JUPYTER_TRANSPORT_PATH, PRELUDE_PATH } from '@rlmtree/runtime-python';
import { startDirectKernel, type KernelSpec } from './direct-kernel.ts';
import { KernelChannel, type KernelChannelOptions, type KernelLink } from './kernel-channel.ts';
import { interruptKernel, shutdownKernel, startKernel } from './kernel-rest.ts';
import type { JupyterServerInfo } from './server-info.ts';

let sources: { core: string; jupyter: string } | undefined;

/** Python lines that define module `name` from `source` (as if imported from /rlmtree/<name>.py). */
function moduleLines(name: string, source: string): string[] {
  // A JSON string literal is a valid Python string literal (JSON's escapes are a subset).
  return [
    `_rlm_m = _rlm_types.ModuleType(${JSON.stringify(name)})`,
    `_rlm_m.__file__ = ${JSON.stringify(`/rlmtree/${name}.py`)}`,
    `_rlm_sys.modules[${JSON.stringify(name)}] = _rlm_m`,
    `exec(compile(${JSON.stringify(source)}, _rlm_m.__file__, "exec"), _rlm_m.__dict__)`,
  ];
}

/** The Python cell that loads the prelude and its Jupyter transport and binds `__rlmtree__` with `nonce`. */
function loadCell(nonce: string): string {
  sources ??= { core: readFileSync(PRELUDE_PATH, 'utf8'), jupyter: readFileSync(JUPYTER_TRANSPORT_PATH, 'utf8') };
  return [
    'import sys as _rlm_sys, types as _rlm_types',
    ...moduleLines('rlmtree_prelude', sources.core),
    ...moduleLines('rlmtree_jupyter', sources.jupyter),
    `_rlm_m.serve_jupyter(${JSON.stringify(nonce)})`,
    'del _rlm_sys, _rlm_types, _rlm_m',
  ].join('\n');
}

/** A started kernel with the prelude loaded. */
export interface PreludeKernel {
  /** Its channels: a websocket through a server, or ZeroMQ straight to the kernel (`direct`). */
  channel: KernelLink;
  /** Tags this REPL's stdin requests; an input() from agent code lacks it. */
  nonce: string;
  /** Interrupts the running cell (SIGINT for ipykernel). Never throws. */
  interrupt(): void;
  /** Closes the channels and stops the kernel. Never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Runs the loading cell on a fresh kernel and checks the prelude's `ready`; returns the nonce.
 * @throws Error when the cell fails, the prelude reports no ready, or speaks another protocol version.
 */
async function loadPrelude(channel: KernelLink): Promise<string> {
  const nonce = randomBytes(16).toString('hex');
  const reply = await channel.execute(loadCell(nonce), { ready: '__rlmtree__.end()' }, { onInputRequest: (_p, req) => channel.inputReply('\x04', req), onIopub: () => {} });
  if (reply.content.status !== 'ok') {
    throw new Error(`the prelude failed to load: ${String(reply.content.ename)}: ${String(reply.content.evalue)}`);
  }
  // The loading cell's end() is the prelude's `ready`, as on every transport.
  const end = (reply.content.user_expressions as Record<string, { status: string; data?: Record<string, string> }> | undefined)?.ready;
  const text = end?.status === 'ok' ? end.data?.['text/plain'] : undefined;
  const ready = text === undefined ? undefined : parseReplMessage(text);
  if (ready?.type !== 'ready') throw new Error(`the prelude did not report ready: ${text ?? end?.status ?? 'no reply'}`);
  if (ready.protocol !== PROTOCOL_VERSION) throw new Error(`the prelude speaks protocol ${ready.protocol}, the host ${PROTOCOL_VERSION}`);
  return nonce;
}

/**
 * Starts a kernel of `kernelName` on `server`, connects to it and loads the prelude.
 * @throws Error naming the kernel when it cannot start or the prelude fails to load (the
 *   kernel is shut down first).
 */
export async function startPreludeKernel(server: JupyterServerInfo, kernelName: string, options: KernelChannelOptions = {}): Promise<PreludeKernel> {
  const kernelId = await startKernel(server, kernelName).catch((err: Error) => {
    throw new Error(`jupyter: cannot start a kernel at ${server.baseUrl}: ${err.message}`);
  });
  let channel: KernelChannel | undefined;
  try {
    channel = await KernelChannel.connect(server, kernelId, options);
    const nonce = await loadPrelude(channel);
    const open = channel;
    return {
      channel,
      nonce,
      interrupt: () => void interruptKernel(server, kernelId),
      shutdown: () => {
        open.close();
        return shutdownKernel(server, kernelId);
      },
    };
  } catch (err) {
    channel?.close();
    await shutdownKernel(server, kernelId);
    throw new Error(`jupyter: kernel ${kernelName} at ${server.baseUrl}: ${(err as Error).message}`);
  }
}

/**
 * Starts a kernel of `spec` with no server (`direct-kernel.ts`) and loads the prelude.
 * @throws Error naming the kernel's command when it cannot start or the prelude fails to load
 *   (the kernel is stopped first).
 */
export async function startDirectPreludeKernel(spec: KernelSpec): Promise<PreludeKernel> {
  const kernel = await startDirectKernel(spec);
  try {
    const nonce = await loadPrelude(kernel.channel);
    return { channel: kernel.channel, nonce, interrupt: kernel.interrupt, shutdown: kernel.shutdown };
  } catch (err) {
    await kernel.shutdown();
    throw new Error(`jupyter: kernel ${spec.argv.join(' ')}: ${(err as Error).message}`);
  }
}
