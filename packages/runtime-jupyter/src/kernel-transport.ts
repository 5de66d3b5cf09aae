/**
 * The cell driver's transport over a Jupyter kernel. Each host message runs as a silent cell
 * `__rlmtree__.run(<message>)` (a message too large to inline is fetched with a `next` stdin
 * request; an ipykernel hands exactly that request to the prelude's `ExecuteShortcut`, past
 * IPython); its reply comes back in that cell's execute_reply as the user_expression
 * `__rlmtree__.end()` (`null` for none). Host calls made while a cell runs are `input_request`s on
 * the kernel's stdin channel, tagged with the REPL's nonce; an answer is the matching
 * `input_reply`. iopub output (fd-level writes, late displays) is the side output.
 */
import { MessageQueue, parseReplMessage, type Display, type HostMessage, type ReplMessage, type ReplTransport, type SideOutput, type TransportExit } from '@rlmtree/core';
import { KernelDiedError, type WireMessage } from './kernel-channel.ts';
import type { PreludeKernel } from './prelude-kernel.ts';

/** Messages bigger than this (chars of JSON) are fetched over stdin rather than put in the cell's code. */
const INLINE_LIMIT = 64 * 1024;
const END_EXPRESSION = { end: '__rlmtree__.end()' };

/** What one host message's cell gave: the REPL's reply (null: none), or the kernel's death. */
export type KernelReply = { type: 'reply'; message: ReplMessage | null } | TransportExit;

/** iopub output of a kernel, kept up to a bound (chars). */
class IopubOutput {
  text = '';
  chars = 0;
  displays: Display[] = [];
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

  /** The kept output, with a note when some was dropped. */
  take(): SideOutput {
    const text = this.chars > this.text.length ? `${this.text}\n[${this.chars - this.text.length} more characters of kernel output dropped]\n` : this.text;
    const out: SideOutput = { text, chars: this.chars, ...(this.displays.length ? { displays: this.displays } : {}) };
    this.text = '';
    this.chars = 0;
    this.displays = [];
    return out;
  }
}

/** The transport of one agent's kernel. */
export class KernelTransport implements ReplTransport {
  /** How a kill reads in a crash message. */
  readonly killedMessage = 'the kernel was shut down';
  private readonly messages = new MessageQueue();
  private readonly calls = new Map<number, WireMessage>();
  private readonly iopub: IopubOutput;
  private readonly kernel: PreludeKernel;
  private readonly onInterrupt: ReplTransport['interrupt'];
  private readonly onKill: () => void;

  /**
   * @param kernel the prelude kernel
   * @param maxOutputChars bound of the iopub output kept per cell
   * @param hooks how to interrupt the kernel and shut it down
   */
  constructor(kernel: PreludeKernel, maxOutputChars: number, hooks: { interrupt: ReplTransport['interrupt']; kill: () => void }) {
    this.kernel = kernel;
    this.iopub = new IopubOutput(maxOutputChars);
    this.onInterrupt = hooks.interrupt;
    this.onKill = hooks.kill;
    kernel.channel.onDeath((message) => this.push({ type: 'exit', message }));
  }

  /** False once the kernel died or was shut down. */
  get alive(): boolean {
    return this.messages.exited === null && this.kernel.channel.dead === null;
  }

  /** Interrupts the kernel (KeyboardInterrupt in the running cell); a promise settles once delivered. */
  interrupt(): void | Promise<unknown> {
    return this.onInterrupt();
  }

  /** Shuts the kernel down. */
  kill(): void {
    this.onKill();
  }

  /** iopub output since the last call. */
  takeSideOutput(): SideOutput {
    return this.iopub.take();
  }

  /** The next message from the REPL, or the kernel's death (sticky). */
  next(): Promise<ReplMessage | TransportExit> {
    return this.messages.next();
  }

  /** Sends a message: an `answer` as the input_reply of its call, anything else as a cell whose reply is queued. */
  send(message: HostMessage): void {
    if (!this.alive) return;
    if (message.type === 'answer') {
      const request = this.calls.get(message.id);
      this.calls.delete(message.id);
      if (request) this.kernel.channel.inputReply(JSON.stringify(message), request);
      return;
    }
    void this.request(message).then((reply) => {
      if (reply.type === 'exit') this.push(reply);
      else if (reply.message) this.push(reply.message);
    });
  }

  /** Runs one host message as a cell and resolves with its reply (calls it makes are queued for the driver). */
  async request(message: HostMessage): Promise<KernelReply> {
    const channel = this.kernel.channel;
    const json = JSON.stringify(message);
    const code = `__rlmtree__.run(${json.length <= INLINE_LIMIT ? JSON.stringify(json) : 'None'})`;
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
      let call: ReplMessage;
      try {
        call = parseReplMessage(prompt);
      } catch {
        return channel.inputReply('\x04', request);
      }
      if (call.type !== 'call') return channel.inputReply('\x04', request);
      this.calls.set(call.id, request);
      this.push(call);
    };
    try {
      const reply = await channel.execute(code, END_EXPRESSION, { onInputRequest, onIopub: (m) => this.iopub.add(m) });
      const content = reply.content as { status: string; ename?: string; evalue?: string; user_expressions?: Record<string, { status: string; data?: Record<string, string> }> };
      if (content.status !== 'ok') return { type: 'exit', message: `the kernel raised ${content.ename}: ${content.evalue}` };
      const end = content.user_expressions?.end;
      const text = end?.status === 'ok' ? end.data?.['text/plain'] : undefined;
      if (text === undefined) return { type: 'exit', message: 'the kernel gave no result (is __rlmtree__ gone?)' };
      if (text === 'null') return { type: 'reply', message: null };
      try {
        return { type: 'reply', message: parseReplMessage(text) };
      } catch (err) {
        return { type: 'reply', message: { type: 'fatal', message: (err as Error).message } };
      }
    } catch (err) {
      if (err instanceof KernelDiedError) return { type: 'exit', message: err.message };
      throw err;
    }
  }

  private push(msg: ReplMessage | TransportExit): void {
    this.messages.push(msg);
  }
}
