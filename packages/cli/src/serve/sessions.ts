/**
 * Conversations kept by `rlmtree serve`: a request that continues an earlier one continues its
 * `Session` (same tree, same REPL) instead of starting over. A request continues a session when
 * it names it (the `x-rlmtree-session` header, or the id of one of its earlier requests, e.g. the
 * Responses API's `previous_response_id`), or when its messages repeat that session's last
 * request and the answer given and add a user message (chat clients resend the whole
 * conversation). Sessions idle for `idleMs` are closed with their REPLs. Each session holds its
 * runtime lease (its own runtime under `CallerRuntimes`) from its first turn until it is closed.
 */
import { join } from 'node:path';
import { continuation, conversationToTask, Session, SessionBusyError, TurnFailedError, type ChatMessage, type Context } from '@rlmtree/core';
import { leaseRuntime, type RuntimeLease } from './caller-runtimes.ts';
import { RequestError, RunFailedError } from './errors.ts';
import type { RunOutcome, RunRequest, ServeRunnerOptions } from './runner.ts';

/** The header that names a session, on requests and responses. */
export const SESSION_HEADER = 'x-rlmtree-session';
/** Default `idleMs`: 10 minutes. */
export const DEFAULT_SESSION_IDLE_MS = 10 * 60_000;
/** Default `maxSessions`. */
export const DEFAULT_MAX_SESSIONS = 64;

/** Options of `ServeSessions`. */
export interface ServeSessionsOptions {
  /** A session unused this long (ms) is closed with its REPLs (default 10 minutes). */
  idleMs?: number;
  /** Sessions kept at most; past it the least recently used idle one is closed (default 64). */
  maxSessions?: number;
  /** The clock (ms), for tests. */
  now?: () => number;
}

interface Kept {
  id: string;
  session: Session;
  /** The last request's messages plus the answer given: what a continuing request starts with. */
  conversation: ChatMessage[];
  lastUsed: number;
  /** Request ids answered in this session (what `continueFrom` may name). */
  requests: Set<string>;
  /** The session's trace (all its turns), named after its first request: `<traceDir>/<request id>.jsonl`. */
  tracePath?: string;
  /** The runtime its REPLs live on, released when the session is closed. */
  lease: RuntimeLease;
}

/** The sessions of one server. */
export class ServeSessions {
  private readonly kept = new Map<string, Kept>();
  private readonly byRequest = new Map<string, string>();
  private readonly idleMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;

  /** @param options idle time and size bounds. */
  constructor(options: ServeSessionsOptions = {}) {
    this.idleMs = options.idleMs ?? DEFAULT_SESSION_IDLE_MS;
    this.maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.sweep(), Math.max(1000, Math.min(this.idleMs, 60_000)));
    this.timer.unref();
  }

  /** Sessions kept now. */
  get size(): number {
    return this.kept.size;
  }

  /**
   * Runs `request` as the next turn of the session it continues, or as turn 0 of a new one.
   * @throws RequestError (404) for a session id or earlier request that is not kept (expired or
   *   unknown); (409) when that session's turn is still running; RunFailedError when the turn
   *   ends without an answer; the abort reason when the client hung up.
   */
  async run(runner: ServeRunnerOptions, request: RunRequest): Promise<RunOutcome & { sessionId: string }> {
    const { kept, task } = this.pick(request);
    const entry = kept ?? (await this.open(runner, request));
    const off = request.onEvent ? entry.session.engine.on('*', request.onEvent) : () => {};
    entry.lastUsed = this.now();
    try {
      const turn = await entry.session.send(task.query, {
        ...(task.context !== null ? { context: task.context } : {}),
        signal: request.signal,
        ...(request.output.type === 'json' ? { result: request.output.schema } : {}),
      });
      entry.conversation = [...request.messages, { role: 'assistant', content: turn.answer }];
      entry.requests.add(request.id);
      this.byRequest.set(request.id, entry.id);
      const tracePath = entry.tracePath;
      return { text: turn.answer, usage: turn.usage, state: turn.state, sessionId: entry.id, ...(tracePath ? { tracePath } : {}) };
    } catch (err) {
      if (err instanceof SessionBusyError) throw new RequestError(`session ${entry.id} is answering another request; send one turn at a time`, SESSION_HEADER, 'session_busy', 409);
      if (err instanceof TurnFailedError) {
        // The failed turn stays in the session; the client may go on from its own conversation.
        entry.conversation = [...request.messages];
        throw new RunFailedError(err.error.kind, `the run ended without an answer: ${err.error.kind}: ${err.error.message}`);
      }
      throw err;
    } finally {
      off();
      entry.lastUsed = this.now();
      if (!kept && entry.session.state === null) await this.drop(entry.id); // cancelled first turn: nothing to keep
    }
  }

  /** Which kept session the request continues (and its new turn), or none. */
  private pick(request: RunRequest): { kept: Kept | null; task: { query: string; context: Context | null } } {
    const named = request.sessionId ?? (request.continueFrom !== undefined ? this.byRequest.get(request.continueFrom) : undefined);
    if (request.sessionId !== undefined || request.continueFrom !== undefined) {
      const kept = named !== undefined ? this.kept.get(named) : undefined;
      if (!kept) {
        const what = request.sessionId !== undefined ? `session ${request.sessionId}` : `the conversation of ${request.continueFrom}`;
        throw new RequestError(`${what} is not kept by this server (it expired after ${Math.round(this.idleMs / 1000)} s idle, or never existed); send the whole conversation to start a new one`, request.sessionId !== undefined ? SESSION_HEADER : 'previous_response_id', 'session_not_found', 404);
      }
      // Named: the request may resend the conversation, or send only what is new.
      const next = continuation(kept.conversation, request.messages);
      const last = [...request.messages].reverse().find((m) => m.role === 'user');
      if (!next && !last) throw new RequestError('messages must hold a user message', 'messages');
      return { kept, task: next ?? { query: last!.content, context: null } };
    }
    for (const kept of this.kept.values()) {
      const next = continuation(kept.conversation, request.messages);
      if (next) return { kept, task: next };
    }
    return { kept: null, task: conversationToTask(request.messages) };
  }

  private async open(runner: ServeRunnerOptions, request: RunRequest): Promise<Kept> {
    const lease = await leaseRuntime(runner.runtime);
    const id = `sess_${crypto.randomUUID()}`;
    const tracePath = runner.traceDir ? join(runner.traceDir, `${request.id}.jsonl`) : undefined;
    let session: Session;
    try {
      session = Session.create({
        llm: runner.llm,
        ...(runner.subModel ? { subModel: runner.subModel } : {}),
        runtime: lease.runtime,
        ...(runner.tools ? { tools: runner.tools } : {}),
        ...(runner.limits ? { limits: runner.limits } : {}),
        ...(tracePath ? { trace: tracePath, traceOptions: { config: { ...runner.traceConfig, session: id, request: request.id } } } : {}),
      });
    } catch (err) {
      await lease.release();
      throw err;
    }
    const entry: Kept = { id, session, conversation: [], lastUsed: this.now(), requests: new Set(), lease, ...(tracePath ? { tracePath } : {}) };
    this.kept.set(id, entry);
    void this.trim();
    return entry;
  }

  /** Closes sessions idle for `idleMs` or more; returns how many were closed. */
  async sweep(): Promise<number> {
    const now = this.now();
    const idle = [...this.kept.values()].filter((k) => !k.session.busy && now - k.lastUsed >= this.idleMs);
    await Promise.all(idle.map((k) => this.drop(k.id)));
    return idle.length;
  }

  /** Past `maxSessions`: closes the least recently used idle sessions. */
  private async trim(): Promise<void> {
    const over = this.kept.size - this.maxSessions;
    if (over <= 0) return;
    const idle = [...this.kept.values()].filter((k) => !k.session.busy).sort((a, b) => a.lastUsed - b.lastUsed);
    await Promise.all(idle.slice(0, over).map((k) => this.drop(k.id)));
  }

  private async drop(id: string): Promise<void> {
    const kept = this.kept.get(id);
    if (!kept) return;
    this.kept.delete(id);
    for (const r of kept.requests) this.byRequest.delete(r);
    await kept.session.close();
    await kept.lease.release();
  }

  /** Closes every session (the server is stopping). Never rejects. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.kept.keys()].map((id) => this.drop(id)));
  }
}
