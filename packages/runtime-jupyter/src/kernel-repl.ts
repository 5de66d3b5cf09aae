/**
 * One agent's REPL in a Jupyter kernel. Each protocol message from the host runs as a silent
 * cell `__rlmtree__.run(<message>)`; the REPL's answer (`ready`, `cell_end`, `fatal`) comes back
 * in that request's execute_reply as the user_expression `__rlmtree__.end()`. Host calls made
 * while the cell runs are `input_request`s on the kernel's stdin channel, answered with
 * `input_reply`. Neither channel carries agent output (that is captured by the prelude, or
 * arrives as iopub stream messages), so printed text cannot pose as a call or a result.
 */
import {
  CellWatch,
  PROTOCOL_VERSION,
  cellResultOf,
  parseReplMessage,
  type CellResult,
  type DisplayBlob,
  initMessage,
  type ExecOptions,
  type HostCallHandler,
  type HostMessage,
  type Repl,
  type ReplOptions,
  type WaitResult,
} from '@rlmtree/core';
import { KernelDiedError, type WireMessage } from './kernel-channel.ts';
import { interruptKernel, shutdownKernel } from './kernel-rest.ts';
import type { PreludeKernel } from './prelude-kernel.ts';

/** Messages bigger than this (chars of JSON) are fetched over stdin rather than put in the cell's code. */
const INLINE_LIMIT = 64 * 1024;
const END_EXPRESSION = { end: '__rlmtree__.end()' };

/** Options of a `KernelRepl`. */
export interface KernelReplOptions {
  /** After a timeout's interrupt, ms the cell gets to stop before the kernel is shut down (default 2000). */
  interruptGraceMs?: number;
  /** Run once when the REPL is closed or its kernel dies (`shutdown` is then set), for the owner's bookkeeping. */
  onClose?: () => void;
}

/** Output that arrived as iopub messages during a request (fd-level writes, late displays). */
class SideOutput {
  text = '';
  chars = 0;
  displays: DisplayBlob[] = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  add(msg: WireMessage): void {
    const type = msg.header.msg_type;
    if (type === 'stream') this.write(String(msg.content.text ?? ''));
    else if (type === 'display_data' || type === 'execute_result') {
      const data = (msg.content.data ?? {}) as Record<string, unknown>;
      if (typeof data['text/plain'] === 'string') this.write(`${data['text/plain']}\n`);
      for (const [mime, value] of Object.entries(data)) {
        if (!mime.startsWith('image/')) continue;
        // base64 as one line (IPython's carries line breaks); SVG is text and kept as is.
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        this.displays.push({ mime, data: mime === 'image/svg+xml' ? text : text.replace(/\s+/g, '') });
      }
    }
  }

  private write(s: string): void {
    this.chars += s.length;
    const room = this.limit - this.text.length;
    if (room > 0) this.text += s.slice(0, room);
  }

  /** The kept text, with a note when some was dropped. */
  render(): string {
    return this.chars > this.text.length ? `${this.text}\n[${this.chars - this.text.length} more characters of kernel output dropped]\n` : this.text;
  }
}

/** One agent's REPL in a kernel. */
export class KernelRepl implements Repl {
  private closed = false;
  private readonly kernel: PreludeKernel;
  private readonly grace: number;
  private readonly maxOutputChars: number;
  private readonly onClose: (() => void) | undefined;

  private constructor(kernel: PreludeKernel, maxOutputChars: number, options: KernelReplOptions) {
    this.kernel = kernel;
    this.grace = options.interruptGraceMs ?? 2000;
    this.maxOutputChars = maxOutputChars;
    this.onClose = options.onClose;
    kernel.channel.onDeath(() => void this.close());
  }

  /**
   * Binds a prelude kernel to an agent: sends `init` with CONTEXT and tools.
   * @throws Error when the kernel dies or the prelude refuses the init (the kernel is shut down).
   */
  static async init(kernel: PreludeKernel, repl: ReplOptions, options: KernelReplOptions = {}): Promise<KernelRepl> {
    const r = new KernelRepl(kernel, repl.maxOutputChars, options);
    const init = initMessage(repl);
    try {
      const answer = await r.send(init, async () => {
        throw new Error('a host call during init');
      });
      if (answer.kind === 'died') throw new Error(answer.message);
      // `init` has no reply unless it fails.
      if (answer.text !== 'null') {
        const msg = parseReplMessage(answer.text);
        throw new Error(msg.type === 'fatal' ? msg.message : `unexpected ${msg.type}`);
      }
    } catch (err) {
      await r.close();
      throw new Error(`jupyter: the REPL of ${repl.agentId} did not start: ${(err as Error).message}`);
    }
    return r;
  }

  /** False once the kernel died or the REPL was closed. */
  get alive(): boolean {
    return !this.closed && this.kernel.channel.dead === null;
  }

  /** The kernel's id on the server. */
  get kernelId(): string {
    return this.kernel.channel.kernelId;
  }

  /** Runs a cell. See `Repl.execute`. */
  execute(code: string, host: HostCallHandler, options: ExecOptions): Promise<CellResult> {
    return this.run({ type: 'exec', cell: options.cell, code }, host, options);
  }

  /** Wakes the suspended cell. See `Repl.wake`. */
  wake(results: readonly WaitResult[], host: HostCallHandler, options: ExecOptions): Promise<CellResult> {
    return this.run({ type: 'wake', cell: options.cell, results: [...results] }, host, options);
  }

  /**
   * Runs one host message as a cell, answering the REPL's stdin requests, until the kernel
   * replies or dies. `side` collects iopub output; `onCallFailure` sees a host handler that threw.
   */
  private async send(
    message: HostMessage,
    host: HostCallHandler,
    side?: SideOutput,
    onCallFailure?: (err: Error) => void,
  ): Promise<{ kind: 'reply'; text: string; reply: WireMessage } | { kind: 'died'; message: string }> {
    const channel = this.kernel.channel;
    const json = JSON.stringify(message);
    const inline = json.length <= INLINE_LIMIT;
    const code = `__rlmtree__.run(${inline ? JSON.stringify(json) : 'None'})`;
    let failed = false;
    const onInputRequest = (prompt: string, request: WireMessage) => {
      let req: { rlmtree?: unknown; type?: unknown };
      try {
        req = JSON.parse(prompt);
      } catch {
        req = {};
      }
      // Not the prelude's (agent code reached the kernel's raw_input itself): answer EOF.
      if (req.rlmtree !== this.kernel.nonce) return channel.inputReply('\x04', request);
      if (req.type === 'next') return channel.inputReply(json, request);
      let call;
      try {
        call = parseReplMessage(prompt);
      } catch {
        return channel.inputReply('\x04', request);
      }
      if (call.type !== 'call' || failed) return channel.inputReply('\x04', request);
      host({ name: call.name, args: call.args }).then(
        (answer) => channel.inputReply(JSON.stringify({ type: 'answer', id: call.id, ...answer }), request),
        (err: Error) => {
          failed = true;
          onCallFailure?.(err);
        },
      );
    };
    try {
      const reply = await channel.execute(code, END_EXPRESSION, { onInputRequest, onIopub: (m) => side?.add(m) });
      const content = reply.content as { status: string; ename?: string; evalue?: string; user_expressions?: Record<string, { status: string; data?: Record<string, string> }> };
      if (content.status !== 'ok') return { kind: 'died', message: `the kernel raised ${content.ename}: ${content.evalue}` };
      const end = content.user_expressions?.end;
      const text = end?.status === 'ok' ? end.data?.['text/plain'] : undefined;
      if (text === undefined) return { kind: 'died', message: 'the kernel gave no result (is __rlmtree__ gone?)' };
      return { kind: 'reply', text, reply };
    } catch (err) {
      if (err instanceof KernelDiedError) return { kind: 'died', message: err.message };
      throw err;
    }
  }

  private async run(start: HostMessage, host: HostCallHandler, options: ExecOptions): Promise<CellResult> {
    if (!this.alive) return { status: 'crashed', output: '', outputChars: 0, message: 'the kernel is not running' };
    const side = new SideOutput(this.maxOutputChars);
    const watch = new CellWatch(options, {
      interrupt: () => void interruptKernel(this.kernel.server, this.kernelId),
      kill: () => void this.close(),
      graceMs: this.grace,
    });
    let hostFailure: Error | null = null;
    try {
      const answer = await this.send(start, host, side, (err) => {
        hostFailure = err;
        watch.interrupt('the host could not answer a call');
      });
      if (hostFailure) throw hostFailure;
      const sideText = side.render();
      const crashed = async (message: string): Promise<CellResult> => {
        await this.close();
        return { status: 'crashed', output: sideText, outputChars: side.chars, message };
      };
      if (answer.kind === 'died') {
        const result = await crashed(watch.deathMessage(watch.killed ? 'the kernel was shut down' : answer.message));
        if (watch.interrupted) result.status = 'timeout';
        return result;
      }
      let msg;
      try {
        msg = parseReplMessage(answer.text);
      } catch (err) {
        return crashed((err as Error).message);
      }
      if (msg.type !== 'cell_end') return crashed(msg.type === 'fatal' ? msg.message : `unexpected ${msg.type}`);
      return cellResultOf(msg, watch, { text: sideText, chars: side.chars, displays: side.displays });
    } finally {
      watch.dispose();
    }
  }

  /**
   * Closes the connection and asks the server to shut the kernel down. Resolves without
   * waiting for the kernel to exit (jupyter-server takes about a second per kernel, which the
   * engine would otherwise wait for at every step where agents finish); `shutdown` resolves
   * once it has. Never rejects.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.kernel.channel.close();
    this.shutdown = shutdownKernel(this.kernel.server, this.kernelId);
    this.onClose?.();
  }

  /** Resolves once the kernel has been shut down after `close()` (at once before it). */
  shutdown: Promise<void> = Promise.resolve();
}
