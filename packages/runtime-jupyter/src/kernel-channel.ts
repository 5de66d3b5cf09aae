/**
 * One websocket to a running kernel (`/api/kernels/<id>/channels`), speaking the Jupyter
 * messaging protocol's JSON wire form. Messages are built with `@jupyterlab/services`'
 * `KernelMessage.createMessage`; the kernel's REST side (start, interrupt, shutdown) is
 * services' `KernelAPI`. We keep the socket ourselves rather than use services'
 * `KernelConnection` because the runtime needs two things it does not give: an immediate ACK
 * for every frame (see `quickAck`) and no `console.debug` lines on the host's stdout.
 */
import { randomUUID } from 'node:crypto';
import { KernelMessage } from '@jupyterlab/services';
import WebSocket from 'ws';
import { KernelDiedError, KernelRequests, type ExecuteHandlers, type WireMessage } from './kernel-requests.ts';

/** The request routing both channels share (`kernel-requests.ts`): its error, callbacks and wire message, re-exported for the channel's users. */
export { KernelDiedError, type ExecuteHandlers, type WireMessage } from './kernel-requests.ts';
import type { JupyterServerInfo } from './server-info.ts';

/**
 * What the prelude, the cell driver's transport and the REPL need of a kernel's channels: the
 * websocket through a Jupyter server (`KernelChannel`) or ZeroMQ straight to the kernel
 * (`ZmqKernelChannel`).
 */
export interface KernelLink {
  /** The kernel's name in messages (its id on the server, or its process id). */
  readonly kernelId: string;
  /** Null while the kernel lives; why it is gone otherwise. */
  readonly dead: string | null;
  /** Runs `listener` once when the kernel dies or the connection closes. */
  onDeath(listener: (message: string) => void): void;
  /**
   * Sends an `execute_request` and resolves with its `execute_reply` once the kernel went idle for it.
   * @throws KernelDiedError when the kernel dies or the connection closes first.
   */
  execute(code: string, userExpressions: Record<string, string>, handlers: ExecuteHandlers): Promise<WireMessage>;
  /** Answers an `input_request` with `value`. */
  inputReply(value: string, request: WireMessage): void;
  /** Closes the connection (the kernel's owner stops the kernel). */
  close(): void;
}

/** Options of `KernelChannel.connect`. */
export interface KernelChannelOptions {
  /**
   * Answer every frame at once with an unsolicited pong (RFC 6455 §5.5.3 allows one), so the
   * server's TCP stack gets its ACK now instead of after the client's delayed-ACK timer
   * (40 ms on Linux). That unblocks a server that leaves Nagle on (Tornado's default), which
   * we cannot reconfigure on a remote server. Default true.
   */
  quickAck?: boolean;
  /** How long to wait for the websocket to open (ms, default 30 000). */
  connectTimeoutMs?: number;
}

/** A websocket to one kernel. */
export class KernelChannel implements KernelLink {
  /** The kernel's id on the server. */
  readonly kernelId: string;
  private readonly ws: WebSocket;
  private readonly session = randomUUID();
  private readonly requests = new KernelRequests();

  private constructor(kernelId: string, ws: WebSocket) {
    this.kernelId = kernelId;
    this.ws = ws;
  }

  /**
   * Opens the channels websocket of a started kernel.
   * @throws Error when the socket cannot open (bad token, unknown kernel, server gone).
   */
  static async connect(server: JupyterServerInfo, kernelId: string, options: KernelChannelOptions = {}): Promise<KernelChannel> {
    const base = server.wsUrl.endsWith('/') ? server.wsUrl : `${server.wsUrl}/`;
    const url = `${base}api/kernels/${encodeURIComponent(kernelId)}/channels?session_id=${randomUUID()}`;
    const ws = new WebSocket(url, {
      headers: server.token ? { Authorization: `token ${server.token}` } : {},
      perMessageDeflate: false,
      handshakeTimeout: options.connectTimeoutMs ?? 30_000,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (err) => reject(new Error(`cannot open the websocket of kernel ${kernelId} at ${base}: ${err.message}`)));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`cannot open the websocket of kernel ${kernelId} at ${base}: HTTP ${res.statusCode}`));
        ws.terminate();
      });
    });
    ws.on('error', () => {}); // reported through 'close'
    const channel = new KernelChannel(kernelId, ws);
    const quickAck = options.quickAck ?? true;
    ws.on('message', (data, isBinary) => {
      if (quickAck && ws.readyState === WebSocket.OPEN) ws.pong();
      if (!isBinary) channel.handle(String(data));
    });
    ws.on('close', (code) => channel.die(`the connection to the kernel closed (websocket code ${code})`));
    return channel;
  }

  /** Null while the kernel lives; why it is gone otherwise. */
  get dead(): string | null {
    return this.requests.dead;
  }

  /** Runs `listener` once when the kernel dies or the connection closes. */
  onDeath(listener: (message: string) => void): void {
    this.requests.onDeath(listener);
  }

  /**
   * Sends an `execute_request` (silent, no history, stdin allowed) and resolves with its
   * `execute_reply` once the kernel has also gone idle for it, so every iopub message of the
   * request has been handed to `handlers` first.
   * @throws KernelDiedError when the kernel dies or the connection closes first.
   */
  execute(code: string, userExpressions: Record<string, string>, handlers: ExecuteHandlers): Promise<WireMessage> {
    if (this.dead !== null) return Promise.reject(new KernelDiedError(this.dead));
    const msg = KernelMessage.createMessage({
      msgType: 'execute_request',
      channel: 'shell',
      session: this.session,
      content: { code, silent: true, store_history: false, user_expressions: userExpressions, allow_stdin: true, stop_on_error: false },
    });
    const reply = this.requests.expect(msg.header.msg_id, handlers);
    this.ws.send(JSON.stringify(msg));
    return reply;
  }

  /** Answers an `input_request` with `value`. */
  inputReply(value: string, request: WireMessage): void {
    if (this.dead !== null) return;
    const msg = KernelMessage.createMessage({
      msgType: 'input_reply',
      channel: 'stdin',
      session: this.session,
      content: { status: 'ok', value },
    });
    (msg as { parent_header: unknown }).parent_header = request.header;
    this.ws.send(JSON.stringify(msg));
  }

  /** Closes the socket (the kernel keeps running; shut it down through the REST API). */
  close(): void {
    this.die('the connection to the kernel was closed');
    this.ws.terminate();
  }

  private handle(text: string): void {
    let msg: WireMessage;
    try {
      msg = JSON.parse(text) as WireMessage;
    } catch {
      return; // not a kernel message (the protocol has no other text frames)
    }
    const type = msg.header?.msg_type;
    if (msg.channel === 'iopub' && type === 'status') {
      const state = msg.content.execution_state;
      // The server announces a kernel it found dead (and is restarting, or gave up on).
      if (state === 'restarting' || state === 'autorestarting' || state === 'dead') {
        this.die(state === 'dead' ? 'the kernel died and could not be restarted' : 'the kernel died (its process exited)');
        return;
      }
    }
    this.requests.route(msg);
  }

  private die(message: string): void {
    this.requests.die(message);
  }
}
