/**
 * A kernel's channels spoken directly over ZeroMQ, with no Jupyter server between host and kernel
 * (the Jupyter messaging protocol's wire form: `<IDS|MSG>`, HMAC-SHA256 signature, header, parent
 * header, metadata, content; https://jupyter-client.readthedocs.io/en/stable/messaging.html). The
 * same surface as the websocket `KernelChannel`, so the prelude, the cell driver and the REPL do
 * not know which one they run over. The ZeroMQ sockets are the `zeromq` package (prebuilt
 * binaries in its npm tarball), an optional dependency loaded only when a direct kernel starts.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Dealer, Subscriber } from 'zeromq';
import type { KernelLink } from './kernel-channel.ts';
import { KernelDiedError, KernelRequests, type ExecuteHandlers, type WireMessage } from './kernel-requests.ts';

/** The fields of a kernel connection file the channel needs (ipc or tcp transport). */
export interface ZmqConnection {
  transport: 'ipc' | 'tcp';
  /** tcp: the address; ipc: the path prefix of the sockets (`<ip>-<port>`). */
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  /** The HMAC key (hex text used as bytes, as jupyter_client does). */
  key: string;
  signature_scheme: 'hmac-sha256';
}

const DELIM = '<IDS|MSG>';
// Not a literal, so bundlers leave the native module to be resolved at run time.
const ZMQ_MODULE = 'zeromq';
let zmq: Promise<typeof import('zeromq')> | undefined;

/**
 * The `zeromq` package, imported once.
 * @throws Error saying how to install it when it is missing (it is an optional dependency).
 */
export function loadZmq(): Promise<typeof import('zeromq')> {
  zmq ??= (import(ZMQ_MODULE) as Promise<typeof import('zeromq')>).catch((err: Error) => {
    zmq = undefined;
    throw new Error(`jupyter direct kernels need the zeromq package (an optional dependency of @rlmtree/runtime-jupyter): npm install zeromq (${err.message})`);
  });
  return zmq;
}
const PROTOCOL = '5.3';

/** The shell, iopub, stdin and control channels of one kernel. */
export class ZmqKernelChannel implements KernelLink {
  /** A name for the kernel in messages (the process id). */
  readonly kernelId: string;
  private readonly key: Buffer;
  private readonly session = randomUUID();
  private readonly shell: Dealer;
  private readonly stdin: Dealer;
  private readonly control: Dealer;
  private readonly iopub: Subscriber;
  private readonly requests = new KernelRequests();
  private readonly seenOnIopub = new Set<string>();

  /**
   * Connects the four sockets (ZeroMQ connects lazily: the kernel may bind later; `ready` waits).
   * @param z the `zeromq` module (`loadZmq()`)
   * @param conn the kernel's connection file
   * @param kernelId how the kernel is named in errors
   */
  constructor(z: typeof import('zeromq'), conn: ZmqConnection, kernelId: string) {
    this.kernelId = kernelId;
    this.key = Buffer.from(conn.key, 'utf8');
    const at = (port: number) => (conn.transport === 'ipc' ? `ipc://${conn.ip}-${port}` : `tcp://${conn.ip}:${port}`);
    // stdin must carry the shell socket's identity: the kernel routes input_request to it.
    const routingId = randomUUID();
    this.shell = new z.Dealer({ routingId, linger: 0 });
    this.stdin = new z.Dealer({ routingId, linger: 0 });
    this.control = new z.Dealer({ linger: 0 });
    this.iopub = new z.Subscriber({ linger: 0 });
    this.shell.connect(at(conn.shell_port));
    this.stdin.connect(at(conn.stdin_port));
    this.control.connect(at(conn.control_port));
    this.iopub.connect(at(conn.iopub_port));
    this.iopub.subscribe();
    void this.read(this.shell, 'shell');
    void this.read(this.stdin, 'stdin');
    void this.read(this.control, 'control');
    void this.read(this.iopub, 'iopub');
  }

  /**
   * Resolves once the kernel answers a `kernel_info_request` on shell and its iopub messages
   * reach us (a SUB socket misses what is published before its subscription lands, so an
   * execute before that could wait forever for its `idle`). Asks again every 100 ms.
   * @throws KernelDiedError when the kernel dies first; Error after `timeoutMs`.
   */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const asked: string[] = [];
    let replied = false;
    while (!replied || !asked.some((id) => this.seenOnIopub.has(id))) {
      if (this.dead !== null) throw new KernelDiedError(this.dead);
      if (Date.now() > deadline) throw new Error(`the kernel did not answer within ${timeoutMs} ms`);
      const id = randomUUID();
      asked.push(id);
      this.requests.expect(id, undefined, { idle: false }).then(
        () => (replied = true),
        () => {},
      );
      this.send(this.shell, 'kernel_info_request', {}, undefined, id);
      await new Promise((r) => setTimeout(r, replied ? 10 : 100));
    }
    for (const id of asked) this.requests.forget(id);
    this.seenOnIopub.clear();
  }

  /** Null while the kernel lives; why it is gone otherwise. */
  get dead(): string | null {
    return this.requests.dead;
  }

  /** Runs `listener` once when the kernel dies or the channel closes. */
  onDeath(listener: (message: string) => void): void {
    this.requests.onDeath(listener);
  }

  /**
   * Sends an `execute_request` (silent, no history, stdin allowed); resolves with its
   * `execute_reply` once the kernel has also gone idle for it.
   * @throws KernelDiedError when the kernel dies or the channel closes first.
   */
  execute(code: string, userExpressions: Record<string, string>, handlers: ExecuteHandlers): Promise<WireMessage> {
    const id = randomUUID();
    const reply = this.requests.expect(id, handlers);
    if (this.dead === null) this.send(this.shell, 'execute_request', { code, silent: true, store_history: false, user_expressions: userExpressions, allow_stdin: true, stop_on_error: false }, undefined, id);
    return reply;
  }

  /** Answers an `input_request` with `value`. */
  inputReply(value: string, request: WireMessage): void {
    if (this.dead === null) this.send(this.stdin, 'input_reply', { status: 'ok', value }, request.header);
  }

  /** Sends a message on the control channel (`interrupt_request`, `shutdown_request`). */
  sendControl(msgType: string, content: Record<string, unknown>): void {
    if (this.dead === null) this.send(this.control, msgType, content);
  }

  /** Marks the kernel dead with `message` (its process exited); pending requests reject. */
  kernelDied(message: string): void {
    this.die(message);
  }

  /** Closes the sockets (the kernel process is its owner's to stop). */
  close(): void {
    this.die('the connection to the kernel was closed');
  }

  private send(socket: Dealer, msgType: string, content: Record<string, unknown>, parent?: WireMessage['header'], msgId = randomUUID()): string {
    const header = JSON.stringify({ msg_id: msgId, msg_type: msgType, session: this.session, username: 'rlmtree', date: new Date().toISOString(), version: PROTOCOL });
    const parts = [header, JSON.stringify(parent ?? {}), '{}', JSON.stringify(content)];
    void socket.send([DELIM, this.sign(parts), ...parts]).catch(() => {}); // a closed socket: the death is reported elsewhere
    return msgId;
  }

  private sign(parts: readonly (string | Buffer)[]): string {
    const h = createHmac('sha256', this.key);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }

  private async read(socket: Dealer | Subscriber, channel: string): Promise<void> {
    try {
      for await (const frames of socket) this.handle(channel, frames);
    } catch {
      // the socket was closed
    }
  }

  private handle(channel: string, frames: Buffer[]): void {
    const at = frames.findIndex((f) => f.length === DELIM.length && f.toString('latin1') === DELIM);
    if (at < 0 || frames.length < at + 6) return;
    const [signature, ...parts] = frames.slice(at + 1, at + 6) as [Buffer, Buffer, Buffer, Buffer, Buffer];
    const expected = Buffer.from(this.sign(parts), 'latin1');
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return; // not signed with our key
    let msg: WireMessage;
    try {
      const [header, parentHeader, metadata, content] = parts.map((p) => JSON.parse(p.toString('utf8')) as Record<string, unknown>);
      msg = { channel, header, parent_header: parentHeader, metadata, content } as unknown as WireMessage;
    } catch {
      return;
    }
    if (channel === 'iopub' && msg.parent_header?.msg_id) this.seenOnIopub.add(msg.parent_header.msg_id);
    this.requests.route(msg);
  }

  private die(message: string): void {
    if (this.requests.die(message)) for (const s of [this.shell, this.stdin, this.control, this.iopub]) s.close();
  }
}
