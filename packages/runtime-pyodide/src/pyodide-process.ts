/**
 * A Pyodide worker thread dressed as a REPL process (`ProcessLike`: protocol lines in on
 * `stdin`, out on `stdout`, raw output on `stderr`, `exit` / `error` events), so the same cell
 * driver as the subprocess and docker runtimes runs it.
 *
 * The bridge: Python's host calls are synchronous, and a worker blocked in Python runs no event
 * loop, so host → worker lines go over a `MessagePort` the worker drains with
 * `receiveMessageOnPort`, sleeping in `Atomics.wait` on a shared counter the host bumps after
 * each post. Worker → host lines are plain `postMessage`s. An interrupt writes SIGINT into
 * Pyodide's interrupt buffer (Pyodide raises KeyboardInterrupt at its next check) and wakes the
 * worker; a kill terminates the thread.
 */
import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { MessageChannel, Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PyodideWorkerData, PyodideWorkerMessage } from './worker.ts';
import type { ProcessControl, ProcessLike } from '@rlmtree/core';

/** The worker's entry, beside this file in source (`.ts`) and built (`.js`) form alike. */
const WORKER_URL = new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

const SIGINT = 2;

/** What a worker is started with (see `PyodideWorkerData`). */
export type PyodideProcessOptions = Pick<PyodideWorkerData, 'files' | 'env' | 'mounts' | 'snapshot'>;

/** One worker thread running one REPL. */
export class PyodideProcess extends EventEmitter {
  /** Protocol lines to the worker. */
  readonly stdin: Writable;
  /** Protocol lines from the worker. */
  readonly stdout = new PassThrough();
  /** What Python wrote to file descriptors 1 and 2. */
  readonly stderr = new PassThrough();
  /** How the cell driver interrupts a cell and kills the worker. */
  readonly control: ProcessControl;
  private readonly worker: Worker;
  private killed = false;

  /** Starts the worker; the prelude's `ready` follows on `stdout` once Pyodide has loaded. */
  constructor(options: PyodideProcessOptions) {
    super();
    const wake = new Int32Array(new SharedArrayBuffer(4));
    const interrupt = new Int32Array(new SharedArrayBuffer(4));
    const { port1: inbox, port2: workerInbox } = new MessageChannel();
    const nudge = () => {
      Atomics.add(wake, 0, 1);
      Atomics.notify(wake, 0);
    };
    const data: PyodideWorkerData = { ...options, wake, interrupt, inbox: workerInbox };
    this.worker = new Worker(WORKER_URL, { workerData: data, transferList: [workerInbox], stdout: false, stderr: false });
    let pending = '';
    this.stdin = new Writable({
      write(chunk: Buffer, _encoding, done) {
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl + 1);
          pending = pending.slice(nl + 1);
          // A new cell starts clean: an interrupt meant for the last one must not hit it.
          if (line.startsWith('{"type":"exec"') || line.startsWith('{"type":"wake"')) Atomics.store(interrupt, 0, 0);
          inbox.postMessage(line);
        }
        nudge();
        done();
      },
      final(done) {
        inbox.postMessage(null);
        nudge();
        done();
      },
    });
    this.worker.on('message', (m: PyodideWorkerMessage) => {
      if ('line' in m) this.stdout.write(m.line);
      else if ('raw' in m) this.stderr.write(m.raw);
      else this.emit('snapshot', m.snapshot);
    });
    this.worker.on('error', (err) => this.emit('error', err));
    this.worker.on('exit', (code) => {
      inbox.close();
      this.stdout.end();
      this.stderr.end();
      // Reported like a process: a kill as SIGKILL, os._exit(n) as exit code n.
      this.emit('exit', this.killed ? null : code, this.killed ? 'SIGKILL' : null);
    });
    this.control = {
      interrupt: () => {
        Atomics.store(interrupt, 0, SIGINT);
        nudge();
      },
      kill: () => {
        this.killed = true;
        void this.worker.terminate();
      },
    };
  }

  /**
   * Starts a worker that loads Pyodide, imports the prelude and hands back a memory snapshot
   * of the interpreter (in shared memory, so every REPL worker reads the same bytes).
   * @throws Error when the worker fails or exits without one.
   */
  static snapshot(options: Omit<PyodideProcessOptions, 'snapshot'>): Promise<Uint8Array> {
    const worker = new PyodideProcess({ ...options, snapshot: 'make' });
    return new Promise((resolve, reject) => {
      const failed = (err: Error) => reject(new Error(`cannot make a Pyodide snapshot: ${err.message}`));
      worker.once('snapshot', (snap: Uint8Array) => {
        const shared = new Uint8Array(new SharedArrayBuffer(snap.byteLength));
        shared.set(snap);
        resolve(shared);
      });
      worker.once('error', failed);
      worker.once('exit', (code: number | null) => failed(new Error(`the worker exited with code ${code}`)));
    });
  }

  /** This worker as the `ProcessLike` the cell driver takes. */
  asProcess(): ProcessLike {
    return this as unknown as ProcessLike;
  }
}
