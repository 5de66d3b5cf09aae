/**
 * The requests in flight on one kernel connection, whatever carries the messages (the websocket
 * through a server, or ZeroMQ straight to the kernel): each message is routed to its request by
 * the parent header's `msg_id`; a request ends with its `*_reply` on shell once the kernel has
 * also gone idle for it on iopub (so every iopub message of the request was handed over first);
 * the kernel's death rejects them all, once.
 */
/** A message as it arrives (JSON wire form). */
export interface WireMessage {
  channel: string;
  header: { msg_id: string; msg_type: string };
  parent_header: { msg_id?: string };
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

/** Callbacks of one execute request. */
export interface ExecuteHandlers {
  /** An `input_request` of this request arrived; answer with `KernelChannel.inputReply`. */
  onInputRequest(prompt: string, request: WireMessage): void;
  /** Any other iopub message of this request (stream, display_data, execute_result, error). */
  onIopub(msg: WireMessage): void;
}

/** Thrown by `execute` when the kernel dies or the connection closes mid-request. */
export class KernelDiedError extends Error {
  /** @param message what happened, e.g. "the kernel died (the server is restarting it)". */
  constructor(message: string) {
    super(message);
    this.name = 'KernelDiedError';
  }
}

interface Pending {
  handlers: ExecuteHandlers;
  reply: WireMessage | null;
  idle: boolean;
  resolve: (reply: WireMessage) => void;
  reject: (err: Error) => void;
}

const IGNORE: ExecuteHandlers = { onInputRequest: () => {}, onIopub: () => {} };

/** See the file comment. */
export class KernelRequests {
  private readonly pending = new Map<string, Pending>();
  private deathMessage: string | null = null;
  private readonly deathListeners = new Set<(message: string) => void>();

  /** Null while the kernel lives; why it is gone otherwise. */
  get dead(): string | null {
    return this.deathMessage;
  }

  /** Runs `listener` once when the kernel dies or the connection closes. */
  onDeath(listener: (message: string) => void): void {
    if (this.deathMessage !== null) listener(this.deathMessage);
    else this.deathListeners.add(listener);
  }

  /**
   * Waits for the reply to the request `msgId` (to be sent by the caller right after).
   * @param options.idle false: the reply alone ends it (a probe whose iopub may not reach us yet)
   * @throws KernelDiedError when the kernel dies first (also when it is already dead).
   */
  expect(msgId: string, handlers: ExecuteHandlers = IGNORE, options: { idle?: boolean } = {}): Promise<WireMessage> {
    if (this.deathMessage !== null) return Promise.reject(new KernelDiedError(this.deathMessage));
    return new Promise<WireMessage>((resolve, reject) => {
      this.pending.set(msgId, { handlers, reply: null, idle: options.idle === false, resolve, reject });
    });
  }

  /** Forgets a request nobody waits for any more. */
  forget(msgId: string): void {
    this.pending.delete(msgId);
  }

  /** Hands a message to its request; ends the request when it is complete. */
  route(msg: WireMessage): void {
    const parentId = msg.parent_header?.msg_id;
    const pending = parentId ? this.pending.get(parentId) : undefined;
    if (!pending) return;
    const type = msg.header.msg_type;
    if (msg.channel === 'shell' && type.endsWith('_reply')) pending.reply = msg;
    else if (msg.channel === 'iopub' && type === 'status') pending.idle ||= msg.content.execution_state === 'idle';
    else if (msg.channel === 'stdin' && type === 'input_request') pending.handlers.onInputRequest(String(msg.content.prompt ?? ''), msg);
    else if (msg.channel === 'iopub') pending.handlers.onIopub(msg);
    if (pending.reply && pending.idle) {
      this.pending.delete(parentId!);
      pending.resolve(pending.reply);
    }
  }

  /** Marks the kernel dead: every request rejects with `message`, listeners run. @returns false when it was dead already. */
  die(message: string): boolean {
    if (this.deathMessage !== null) return false;
    this.deathMessage = message;
    for (const p of this.pending.values()) p.reject(new KernelDiedError(message));
    this.pending.clear();
    for (const listener of this.deathListeners) listener(message);
    this.deathListeners.clear();
    return true;
  }
}
