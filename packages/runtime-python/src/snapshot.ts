/**
 * Live snapshots of subprocess REPLs (issue 18): the host side of `rlmtree_snapshot.py`. A
 * snapshot is a parked `os.fork()` of a REPL forked by the fork server, listening on a Unix
 * socket in the server's folder; opening it connects there, which forks the parked copy again
 * into a new REPL in the snapshot's state (variables, a suspended cell), at the cost of a fork
 * and a handshake instead of re-running the agent's cells.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Repl, ReplSnapshot, SnapshotSupport, StartedProcess } from '@rlmtree/core';
import { connectRepl, signalHostPid, type ForkServerPlace, type ReplSignaller } from './fork-server.ts';

/**
 * Snapshot support in a fork server's folder: sockets `snap-<n>.sock` in it; `adopt` tracks a
 * REPL opened from a snapshot like any other of the runtime (no `init`: it is set up).
 */
export function snapshotSupport(place: Readonly<ForkServerPlace>, adopt: (proc: StartedProcess) => Repl): SnapshotSupport {
  let n = 0;
  const names = new Map<string, string>();
  return {
    nextPath: () => {
      const name = `snap-${n++}.sock`;
      const path = join(place.serverDir, name);
      names.set(path, join(place.hostDir, name));
      return path;
    },
    parked: (path, pid) => {
      const host = names.get(path) ?? path;
      names.delete(path);
      return new ProcessSnapshot(host, pid, adopt, place.signal ?? signalHostPid, place.hostPids ?? true);
    },
  };
}

/**
 * The `snapshots` argument of a `ProcessReplSet` whose REPLs the fork server at `place` forks
 * (undefined without one: those REPLs take no snapshots).
 */
export function snapshotsIn(place: Readonly<ForkServerPlace> | undefined): ((adopt: (proc: StartedProcess) => Repl) => SnapshotSupport) | undefined {
  return place && ((adopt) => snapshotSupport(place, adopt));
}

/** Proportional set size (`Pss` of /proc/<pid>/smaps_rollup) in bytes, or null when unreadable. */
function pssBytes(pid: number): number | null {
  try {
    const kb = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN);
    return Number.isFinite(kb) ? kb * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The memory a parked snapshot holds, in bytes: the proportional set size (PSS: each page
 * divided by the processes mapping it) of the parked process and of its children (the copy it
 * keeps forked ahead), or null when unreadable (not Linux, the process gone). While the REPL it
 * was copied from lives, the pages they all share count a third each; once it exits, the pair
 * counts for every page it holds.
 */
export function snapshotBytes(pid: number): number | null {
  const own = pssBytes(pid);
  if (own === null) return null;
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // no children list on this kernel: the parked process alone
  }
  return children.reduce((sum, child) => sum + (pssBytes(Number(child)) ?? 0), own);
}

/** A parked copy of a subprocess REPL (see the module comment). */
export class ProcessSnapshot implements ReplSnapshot {
  private gone = false;
  /** The Unix socket the parked copy listens on. */
  readonly path: string;
  /** The parked copy's process id. */
  readonly pid: number;
  private readonly adopt: (proc: StartedProcess) => Repl;
  private readonly signal: ReplSignaller;
  private readonly hostPid: boolean;

  /**
   * @param path where the parked copy listens (a host path)
   * @param pid its process id (as its REPL reported it)
   * @param adopt tracks an opened REPL in its runtime
   * @param signal how to signal it and the REPLs opened from it
   * @param hostPid `pid` is a host pid (else: inside a container; liveness then shows at `open`)
   */
  constructor(path: string, pid: number, adopt: (proc: StartedProcess) => Repl, signal: ReplSignaller = signalHostPid, hostPid = true) {
    this.path = path;
    this.pid = pid;
    this.adopt = adopt;
    this.signal = signal;
    this.hostPid = hostPid;
  }

  /** False once discarded or once the parked process is gone (as far as the host can see). */
  get alive(): boolean {
    if (this.gone) return false;
    if (!this.hostPid) return true;
    try {
      process.kill(this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A new REPL in the snapshot's state. See `ReplSnapshot.open`.
   * @throws Error when the snapshot was discarded or its process is gone.
   */
  async open(): Promise<Repl> {
    return this.adopt(await this.connect());
  }

  /**
   * A new process in the snapshot's state, not yet tracked as a REPL (a context server's, which
   * the runtime then binds with `init`).
   * @throws Error when the snapshot was discarded or its process is gone.
   */
  async connect(): Promise<StartedProcess> {
    if (this.gone) throw new Error('snapshot: discarded');
    // In a container (no host pids) a REPL opened here leads its own group: kill it at its end.
    const reaped = this.hostPid ? undefined : (pid: number) => this.signal('SIGKILL', pid);
    return connectRepl(this.path, this.signal, this.hostPid, undefined, reaped).catch((err: Error) => {
      throw new Error(`snapshot: cannot open the copy parked at ${this.path} (pid ${this.pid}): ${err.message}`);
    });
  }

  /** The memory the parked copy holds (`snapshotBytes`; null off Linux, or when its pid is a container's). */
  memoryBytes(): number | null {
    if (this.gone) return 0;
    return this.hostPid ? snapshotBytes(this.pid) : null;
  }

  /** Kills the parked copy and removes its socket. Never rejects. */
  async discard(): Promise<void> {
    if (this.gone) return;
    this.gone = true;
    this.signal('SIGKILL', this.pid);
    rmSync(this.path, { force: true });
  }
}
