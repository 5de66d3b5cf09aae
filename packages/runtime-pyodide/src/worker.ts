/**
 * The worker thread of one Pyodide REPL: loads CPython (WebAssembly, from the `pyodide` npm
 * package: no network), writes the prelude into Pyodide's in-memory file system and serves the
 * prelude's protocol until shutdown. Started by `PyodideProcess`; see its comment for the bridge.
 *
 * Agent code sees only Pyodide's in-memory file system (plus the host folders the runtime was
 * given) and a `js` module bound to an empty object, so it cannot reach Node's `process`,
 * `fetch` or file system by name.
 */
import { registerHooks } from 'node:module';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { loadPyodide } from 'pyodide';

/** What the host hands the worker (`workerData`). */
export interface PyodideWorkerData {
  /** Bumped by the host after each message it posts on `inbox` (and on an interrupt). */
  wake: Int32Array;
  /** Pyodide's interrupt buffer: the host writes 2 (SIGINT) to raise KeyboardInterrupt. */
  interrupt: Int32Array;
  /** Host → worker protocol lines; `null` is the end of input. */
  inbox: MessagePort;
  /** Source of the prelude package and of its Pyodide transport, by path under `/rlmtree`. */
  files: Record<string, string>;
  /** Environment of the interpreter (`os.environ`), e.g. PYTHONHASHSEED. */
  env: Record<string, string>;
  /** Host folders to mount (read-write) at paths inside the REPL. */
  mounts: { hostPath: string; path: string }[];
  /**
   * `make`: load, import the prelude, post a memory snapshot of the interpreter and exit. A
   * snapshot: start from it (2.5 to 3 times faster than loading, bench/pyodide.bench.ts).
   */
  snapshot?: 'make' | Uint8Array;
}

/** Worker → host messages. */
export type PyodideWorkerMessage = { line: string } | { raw: Uint8Array } | { snapshot: Uint8Array };

const SIGINT = 2;
const data = workerData as PyodideWorkerData;
const host = parentPort!;

// Emscripten's sockets in Node are WebSockets made with the `ws` package (or a global
// WebSocket): without either, a Python socket fails with an OSError and no byte leaves.
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'ws') throw new Error('rlmtree pyodide REPL: no network');
    return next(specifier, context);
  },
});
delete (globalThis as { WebSocket?: unknown }).WebSocket;

// The snapshot options are Pyodide's own (typed, marked internal in its docs): the package is
// pinned to one version, and a snapshot is only ever loaded by the version that made it.
const py = await loadPyodide({
  env: data.env,
  jsglobals: {},
  stdin: () => null,
  ...(data.snapshot === 'make' ? { _makeSnapshot: true } : data.snapshot ? { _loadSnapshot: data.snapshot } : {}),
});
py.FS.mkdirTree('/rlmtree');
for (const [path, text] of Object.entries(data.files)) {
  const file = `/rlmtree/${path}`;
  py.FS.mkdirTree(file.slice(0, file.lastIndexOf('/')));
  py.FS.writeFile(file, text);
}
py.runPython('import sys\nif "/rlmtree" not in sys.path:\n    sys.path.insert(0, "/rlmtree")');
if (data.snapshot === 'make') {
  // Only pure-Python state goes in: the stdlib modules the prelude imports, and the prelude.
  py.runPython('import rlmtree_prelude');
  const snapshot = py.makeMemorySnapshot();
  host.postMessage({ snapshot } satisfies PyodideWorkerMessage, [snapshot.buffer as ArrayBuffer]);
  process.exit(0);
}
py.setInterruptBuffer(data.interrupt);
// Whatever reaches file descriptors 1 and 2 (sys.__stdout__, os.write) goes to the host as raw
// output, like a process's stderr; the protocol travels apart, so printed text cannot pose as it.
const raw = { write: (buf: Uint8Array) => (host.postMessage({ raw: buf.slice() } satisfies PyodideWorkerMessage), buf.length) };
py.setStdout(raw);
py.setStderr(raw);
for (const m of data.mounts) {
  py.FS.mkdirTree(m.path);
  py.FS.mount(py.FS.filesystems.NODEFS, { root: m.hostPath }, m.path);
}

py.registerJsModule('_rlmtree_host', {
  send: (line: string) => host.postMessage({ line } satisfies PyodideWorkerMessage),
  /**
   * The next host line ("" at the end of input), or undefined after a wake-up with none (an
   * interrupt, or a second gone by): Python loops, checking its interrupt buffer between tries.
   */
  receive: (): string | undefined => {
    // Load the counter before looking: a line or interrupt that comes after the look bumps it, so
    // the wait returns at once. One that came before is seen by the look, not slept through (an
    // interrupt raised while the answer was still on its way used to wait out the whole second,
    // as long as the kill's grace period).
    const seen = Atomics.load(data.wake, 0);
    const got = receiveMessageOnPort(data.inbox);
    if (got) return got.message === null ? '' : (got.message as string);
    if (Atomics.load(data.interrupt, 0) === SIGINT) return undefined;
    Atomics.wait(data.wake, 0, seen, 1000);
    return undefined;
  },
  /**
   * Sleeps up to `seconds`, woken early by the host; true (then cleared) when it woke for an
   * interrupt. Backs `time.sleep`, so a sleeping cell stops at once on a timeout.
   */
  pause: (seconds: number): boolean => {
    const seen = Atomics.load(data.wake, 0);
    if (Atomics.load(data.interrupt, 0) !== SIGINT) Atomics.wait(data.wake, 0, seen, Math.max(0, seconds * 1000));
    return Atomics.compareExchange(data.interrupt, 0, SIGINT, 0) === SIGINT;
  },
  /** True once (then cleared) when the host asked for an interrupt: Python raises KeyboardInterrupt. */
  interrupted: (): boolean => Atomics.compareExchange(data.interrupt, 0, SIGINT, 0) === SIGINT,
});

// Close the ways from Python back into this thread's JavaScript: the Pyodide API module (file
// system mounts, package downloads) and every function's `constructor` (which would compile
// JavaScript with access to Node's `process`). The bridge above keeps working.
py.runPython('import rlmtree_pyodide\nrlmtree_pyodide.seal()');
py.unregisterJsModule('pyodide_js');
py.unregisterJsModule('_rlmtree_host');
for (const fn of [function () {}, async function () {}, function* () {}, async function* () {}]) {
  Object.defineProperty(Object.getPrototypeOf(fn), 'constructor', { value: undefined, writable: false, configurable: false });
}

try {
  py.runPython('rlmtree_pyodide.serve()');
  process.exit(0);
} catch (err) {
  // os._exit(n) / sys.exit(n) end the interpreter with Emscripten's ExitStatus: leave with its
  // code, as a process would; anything else is a crash of the interpreter.
  const status = (err as { status?: unknown }).status;
  if (typeof status !== 'number') host.postMessage({ raw: new TextEncoder().encode(`${String(err)}\n`) } satisfies PyodideWorkerMessage);
  process.exit(typeof status === 'number' ? status : 70);
}
