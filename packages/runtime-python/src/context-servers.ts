/**
 * Context servers (issue 18, item 3): one process per big context file that holds the decoded
 * `CONTEXT` and forks the REPLs given that context, so they share its pages copy-on-write
 * instead of each decoding (and holding) its own copy. On the subprocess and docker runtimes with
 * their fork server.
 *
 * The first REPL opened with a context file of `CONTEXT_SHARE_MIN_BYTES` or more is sent
 * `share_context` before its `init`: it reads the file once (checking its length and content
 * address) and parks a copy of itself (rlmtree_snapshot.py `share_context`, a snapshot taken
 * before any agent is bound). Every later REPL given that file is forked from the parked copy,
 * then gets its own `init` (agent, tools, the same `contextFile`), which binds the shared `str`.
 * What a REPL sees is the same as when it reads the file itself; only where the bytes sit differs.
 * A context server that cannot be made (the file was changed or removed) leaves the REPL as it
 * was: its `init` then reads the file and fails with the same named error.
 *
 * Servers are kept least recently used first, at most `max` of them (default
 * `DEFAULT_CONTEXT_SERVERS`): each holds one decoded copy of its context for as long as it lives.
 * A dropped server's REPLs go on (they do not need it once forked).
 */
import { join } from 'node:path';
import type { ContextFile, ContextPart, StartedProcess } from '@rlmtree/core';
import { signalHostPid, type ForkServerPlace } from './fork-server.ts';
import { ProcessSnapshot } from './snapshot.ts';

/** Context files smaller than this (bytes) are read by each REPL itself: sharing would cost more. */
export const CONTEXT_SHARE_MIN_BYTES = 1 << 20;

/** Context servers kept at most per fork server (least recently used dropped first). */
export const DEFAULT_CONTEXT_SERVERS = 8;

/** The context servers of one fork server (see the module comment). */
export class ContextServers {
  private readonly place: Readonly<ForkServerPlace>;
  private readonly fork: () => Promise<StartedProcess>;
  private max: number;
  private readonly minBytes: number;
  /** Servers by the context file's path (as the REPL sees it), least recently used first; null: none could be made. */
  private readonly servers = new Map<string, Promise<ProcessSnapshot | null>>();
  private n = 0;

  /**
   * @param place where the fork server runs (its socket folder holds the servers' sockets)
   * @param fork forks a fresh REPL from the fork server
   * @param options `max` servers kept (default `DEFAULT_CONTEXT_SERVERS`); `minBytes` the
   *   smallest context file shared (default `CONTEXT_SHARE_MIN_BYTES`)
   */
  constructor(place: Readonly<ForkServerPlace>, fork: () => Promise<StartedProcess>, options: { max?: number; minBytes?: number } = {}) {
    this.place = place;
    this.fork = fork;
    this.max = options.max ?? DEFAULT_CONTEXT_SERVERS;
    this.minBytes = options.minBytes ?? CONTEXT_SHARE_MIN_BYTES;
  }

  /**
   * A started REPL process to bind (`init`) with `part`: forked from the server of its context
   * file (made now, by this process, when there is none), or from the fork server for a context
   * sent inline or too small to share.
   * @throws Error when no REPL can be forked at all.
   */
  async start(part: ContextPart): Promise<StartedProcess> {
    const file = 'contextFile' in part ? part.contextFile : undefined;
    if (!file || file.bytes < this.minBytes || this.max <= 0) return this.fork();
    const known = this.servers.get(file.path);
    if (known) {
      this.servers.delete(file.path);
      this.servers.set(file.path, known); // most recently used last
      const server = await known;
      if (server?.alive) {
        const proc = await server.connect().catch(() => null);
        if (proc) return proc;
      }
      if (this.servers.get(file.path) === known) this.servers.delete(file.path);
      void server?.discard();
    }
    return this.make(file);
  }

  /** Forks a REPL and has it make the context server of `file` (see the module comment). */
  private async make(file: ContextFile): Promise<StartedProcess> {
    const proc = await this.fork();
    const made = this.share(proc, file);
    this.servers.set(file.path, made);
    while (this.servers.size > this.max) {
      const [oldest, server] = this.servers.entries().next().value!;
      this.servers.delete(oldest);
      void server.then((s) => s?.discard());
    }
    if ((await made) !== null || !this.unsupported) return proc;
    // It did not know `share_context` (a prelude from another release) and stopped: share nothing from now on.
    this.max = 0;
    return this.fork();
  }

  /** Set when a REPL answered `share_context` with `fatal` (an older prelude). */
  private unsupported = false;

  private async share(proc: StartedProcess, file: ContextFile): Promise<ProcessSnapshot | null> {
    const name = `ctx-${this.n++}.sock`;
    proc.send({ type: 'share_context', path: join(this.place.serverDir, name), contextFile: file });
    const reply = await proc.next();
    if (reply.type === 'fatal' || reply.type === 'exit') {
      this.unsupported = true;
      proc.kill();
    }
    if (reply.type !== 'snapshot_ready') return null; // snapshot_failed: the REPL's init reports why
    const adopt = () => {
      throw new Error('a context server is connected to, not opened');
    };
    return new ProcessSnapshot(join(this.place.hostDir, name), reply.pid, adopt, this.place.signal ?? signalHostPid, this.place.hostPids ?? true);
  }

  /** Drops every server (their REPLs go on). Never rejects. */
  async close(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map((s) => s.then((server) => server?.discard())));
  }
}
