/**
 * A kernel started on a server with the rlmtree prelude loaded (the package `rlmtree_prelude` and
 * its transport `rlmtree_jupyter`, from their source, so a remote server needs nothing installed)
 * and `__rlmtree__` bound in the kernel's user namespace. Not yet bound to an agent: that is
 * `KernelRepl.init`, so a pool can keep these warm.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkProtocolVersion, parseReplMessage, ProtocolVersionError } from '@rlmtree/core';
import { JUPYTER_TRANSPORT_PATH, preludeSources } from '@rlmtree/runtime-python';
import { startDirectKernel, type KernelSpec } from './direct-kernel.ts';
import { KernelChannel, type KernelChannelOptions, type KernelLink } from './kernel-channel.ts';
import { interruptKernel, shutdownKernel, startKernel } from './kernel-rest.ts';
import type { JupyterServerInfo } from './server-info.ts';

/**
 * Python source of a module finder that imports the modules of `sources` (file path relative to
 * `/rlmtree` → source) from memory, as if they were files under `/rlmtree`, so the prelude
 * package imports itself (`from .repl import Repl`) with no file on the kernel's machine. It is
 * on `sys.meta_path` only while the loading cell imports the prelude.
 */
const FINDER = `
class _RlmSourceFinder:
    def __init__(self, sources):
        self.modules = {}
        for path, source in sources.items():
            name = path[:-3].replace("/", ".")
            package = name.endswith(".__init__")
            self.modules[name[: -len(".__init__")] if package else name] = ("/rlmtree/" + path, source, package)

    def find_spec(self, name, path=None, target=None):
        found = self.modules.get(name)
        if found is None:
            return None
        return _rlm_util.spec_from_loader(name, self, origin=found[0], is_package=found[2])

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        path, source, _ = self.modules[module.__name__]
        module.__file__ = path
        exec(compile(source, path, "exec"), module.__dict__)
`;

let sources: Record<string, string> | undefined;

/** The Python cell that loads the prelude and its Jupyter transport and binds `__rlmtree__` with `nonce`. */
function loadCell(nonce: string): string {
  sources ??= { ...preludeSources(), 'rlmtree_jupyter.py': readFileSync(JUPYTER_TRANSPORT_PATH, 'utf8') };
  // A JSON string literal is a valid Python string literal (JSON's escapes are a subset), and
  // a JSON object of strings a valid Python dict.
  return [
    'import sys as _rlm_sys, importlib.util as _rlm_util',
    FINDER,
    `_rlm_finder = _RlmSourceFinder(${JSON.stringify(sources)})`,
    '_rlm_sys.meta_path.insert(0, _rlm_finder)',
    'try:',
    '    import rlmtree_jupyter as _rlm_m',
    'finally:',
    '    _rlm_sys.meta_path.remove(_rlm_finder)',
    `_rlm_m.serve_jupyter(${JSON.stringify(nonce)})`,
    'del _rlm_sys, _rlm_util, _rlm_m, _rlm_finder, _RlmSourceFinder',
  ].join('\n');
}

/** A started kernel with the prelude loaded. */
export interface PreludeKernel {
  /** Its channels: a websocket through a server, or ZeroMQ straight to the kernel (`direct`). */
  channel: KernelLink;
  /** Tags this REPL's stdin requests; an input() from agent code lacks it. */
  nonce: string;
  /** Interrupts the running cell (SIGINT for ipykernel); a REST interrupt resolves once the server answered. Never throws or rejects. */
  interrupt(): void | Promise<void>;
  /** Closes the channels and stops the kernel. Never rejects. */
  shutdown(): Promise<void>;
}

/**
 * Runs the loading cell on a fresh kernel and checks the prelude's `ready`; returns the nonce.
 * `where` names the kernel in a ProtocolVersionError.
 * @throws Error when the cell fails or the prelude reports no ready; ProtocolVersionError when it
 *   speaks another protocol version.
 */
async function loadPrelude(channel: KernelLink, where: string): Promise<string> {
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
  checkProtocolVersion(where, ready);
  return nonce;
}

/**
 * Starts a kernel of `kernelName` on `server`, connects to it and loads the prelude.
 * @throws Error naming the kernel when it cannot start or the prelude fails to load, and
 *   ProtocolVersionError when the prelude speaks another protocol version (the kernel is shut
 *   down first).
 */
export async function startPreludeKernel(server: JupyterServerInfo, kernelName: string, options: KernelChannelOptions = {}): Promise<PreludeKernel> {
  const kernelId = await startKernel(server, kernelName).catch((err: Error) => {
    throw new Error(`jupyter: cannot start a kernel at ${server.baseUrl}: ${err.message}`);
  });
  let channel: KernelChannel | undefined;
  try {
    channel = await KernelChannel.connect(server, kernelId, options);
    const nonce = await loadPrelude(channel, `jupyter: kernel ${kernelName} at ${server.baseUrl}`);
    const open = channel;
    return {
      channel,
      nonce,
      interrupt: () => interruptKernel(server, kernelId),
      shutdown: () => {
        open.close();
        return shutdownKernel(server, kernelId);
      },
    };
  } catch (err) {
    channel?.close();
    await shutdownKernel(server, kernelId);
    if (err instanceof ProtocolVersionError) throw err;
    throw new Error(`jupyter: kernel ${kernelName} at ${server.baseUrl}: ${(err as Error).message}`);
  }
}

/**
 * Starts a kernel of `spec` with no server (`direct-kernel.ts`) and loads the prelude.
 * @throws Error naming the kernel's command when it cannot start or the prelude fails to load,
 *   and ProtocolVersionError when the prelude speaks another protocol version (the kernel is
 *   stopped first).
 */
export async function startDirectPreludeKernel(spec: KernelSpec): Promise<PreludeKernel> {
  const kernel = await startDirectKernel(spec);
  try {
    const nonce = await loadPrelude(kernel.channel, `jupyter: kernel ${spec.argv.join(' ')}`);
    return { channel: kernel.channel, nonce, interrupt: kernel.interrupt, shutdown: kernel.shutdown };
  } catch (err) {
    await kernel.shutdown();
    if (err instanceof ProtocolVersionError) throw err;
    throw new Error(`jupyter: kernel ${spec.argv.join(' ')}: ${(err as Error).message}`);
  }
}
