/**
 * A fleet of worker processes for kill drills: start N, SIGKILL one at random every few seconds and
 * start it again, then audit what the database recorded and what the models were asked (see
 * `auditRecord` and `auditCalls`). Used by the distributed test and `bench/distributed.bench.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PostgresCheckpointStore } from '../store.ts';

/** How to start worker `i` (a fresh process each time). */
export type WorkerCommand = (i: number) => { command: string; args: string[]; env?: NodeJS.ProcessEnv };

/** A kill the drill made. */
export interface Kill {
  pid: number;
  /** Which worker slot. */
  slot: number;
  /** ms since the fleet started. */
  atMs: number;
}

/** Worker processes in slots; each slot restarts its worker after a kill. */
export class Fleet {
  /** Every SIGKILL sent, in order. */
  readonly kills: Kill[] = [];
  /** Every pid started, by slot. */
  readonly pids: number[][] = [];
  private readonly procs: (ChildProcess | undefined)[] = [];
  private readonly logs = new Map<number, string>();
  private readonly started = Date.now();
  private readonly command: WorkerCommand;
  private readonly logDir: string;

  /** @param logDir each process's stderr goes to `<logDir>/worker-<slot>-<pid>.log`. */
  constructor(command: WorkerCommand, logDir: string) {
    this.command = command;
    this.logDir = logDir;
  }

  /** Starts a worker in each of `n` slots. */
  start(n: number): void {
    for (let i = 0; i < n; i++) this.spawn(i);
  }

  private spawn(slot: number): void {
    const { command, args, env } = this.command(slot);
    const child = spawn(command, args, { env: env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    const file = join(this.logDir, `worker-${slot}-${child.pid}.log`);
    child.stderr!.pipe(createWriteStream(file));
    this.logs.set(child.pid!, file);
    (this.pids[slot] ??= []).push(child.pid!);
    this.procs[slot] = child;
  }

  /** Resolves when every current worker's log says `marker` (default: it is taking runs); fails after `ms`. */
  async ready(marker = 'taking runs', ms = 120_000): Promise<void> {
    const end = Date.now() + ms;
    const has = (pid: number) => {
      try {
        return readFileSync(this.logs.get(pid)!, 'utf8').includes(marker);
      } catch {
        return false;
      }
    };
    while (!this.procs.every((p) => p && has(p.pid!))) {
      if (Date.now() > end) {
        const late = this.procs.filter((p) => p && !has(p.pid!)).map((p) => `pid ${p!.pid} (exit ${p!.exitCode ?? p!.signalCode ?? 'none yet'}): ${this.log(p!.pid!).slice(-600)}`);
        throw new Error(`workers not ready after ${ms} ms:\n${late.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The stderr of the process `pid` so far. */
  log(pid: number): string {
    try {
      return readFileSync(this.logs.get(pid)!, 'utf8');
    } catch {
      return '';
    }
  }

  /** SIGKILLs the worker in `slot` and starts a new one there. */
  killAndRestart(slot: number): Kill {
    const child = this.procs[slot]!;
    const kill = { pid: child.pid!, slot, atMs: Date.now() - this.started };
    child.kill('SIGKILL');
    this.kills.push(kill);
    this.spawn(slot);
    return kill;
  }

  /**
   * Until `done()` holds: every `everyMs` (±25 %), SIGKILL a worker that holds runs (its pid is in
   * `busy()`) and took its first run at least `minLifeMs` ago (default `everyMs`: a worker that
   * starts slower than the kill rate would otherwise never advance anything), and restart it in its
   * slot; at most `maxKills`. Resolves when done.
   */
  async drill(options: { everyMs: number; minLifeMs?: number; maxKills?: number; done: () => Promise<boolean>; busy: () => Promise<number[]>; random?: () => number }): Promise<void> {
    const random = options.random ?? Math.random;
    const gap = () => Date.now() + options.everyMs * (0.75 + random() * 0.5);
    const minLife = options.minLifeMs ?? options.everyMs;
    const readyAt = new Map<number, number>();
    let next = gap();
    while (!(await options.done())) {
      // Life counts from the worker's first run taken (not its start): a worker that picks up a
      // handed-over run late must still get time to advance it, or the drill livelocks on it.
      for (const p of this.procs) if (p && !readyAt.has(p.pid!) && / taken at step /.test(this.log(p.pid!))) readyAt.set(p.pid!, Date.now());
      if (Date.now() >= next && this.kills.length < (options.maxKills ?? Infinity)) {
        const busy = new Set(await options.busy());
        const old = (pid: number) => Date.now() - (readyAt.get(pid) ?? Infinity) >= minLife;
        const slots = this.procs.flatMap((p, slot) => (p && busy.has(p.pid!) && old(p.pid!) ? [slot] : []));
        if (slots.length > 0) {
          this.killAndRestart(slots[Math.floor(random() * slots.length)]!);
          next = gap();
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Pids of the workers (ids `<host>:<pid>:<random>`) that hold runs now, from the runs table. */
  static async busyPids(store: PostgresCheckpointStore): Promise<number[]> {
    const { rows } = await store.pool.query<{ worker: string }>(`SELECT DISTINCT worker FROM ${store.schema}.runs WHERE status = 'running' AND worker IS NOT NULL`);
    return rows.map((r) => Number(r.worker.split(':').at(-2)));
  }

  /** SIGTERMs every worker (graceful shutdown) and waits for them to exit (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 20_000): Promise<void> {
    await Promise.all(
      this.procs.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** What the stored record of some runs says. */
export interface RecordAudit {
  /** Model replies recorded (`llm_replied` events), all runs. */
  recordedCalls: number;
  /** Per run: its steps were 0..N with no gap or repeat, and no agent's model turn was recorded twice. */
  problems: string[];
}

/**
 * Checks the stored steps and events of `runIds`: steps 0..N each once, and every (agent, model
 * turn) replied once — a repeated step or a repeated model call of a finished turn would show here.
 */
export async function auditRecord(store: PostgresCheckpointStore, runIds: readonly string[]): Promise<RecordAudit> {
  let recordedCalls = 0;
  const problems: string[] = [];
  for (const runId of runIds) {
    const steps = await store.steps(runId);
    steps.forEach((s, i) => {
      if (s.step !== i) problems.push(`run ${runId}: stored step ${s.step} at position ${i}`);
    });
    const replied = new Map<string, number>();
    for (const s of steps) {
      for (const e of s.events) {
        if (e.type !== 'llm_replied') continue;
        recordedCalls += 1;
        replied.set(e.agentId, (replied.get(e.agentId) ?? 0) + 1);
      }
    }
    // Each agent's turns: its recorded replies must equal its assistant messages (no turn twice).
    const last = await store.get(runId);
    for (const [agent, n] of replied) {
      const node = last?.nodes[agent];
      const turns = node?.messages.filter((m) => m.role === 'assistant').length ?? -1;
      if (turns !== n) problems.push(`run ${runId}: agent ${agent} has ${n} recorded replies but ${turns} assistant turns`);
    }
  }
  return { recordedCalls, problems };
}

/** What the models were asked, from the call log the scripted policy writes. */
export interface CallAudit {
  /** Model calls started, all processes. */
  calls: number;
  /** Calls made again for the same agent and turn (the earlier ones were lost with a killed worker). */
  repeated: number;
  /** Repeated calls whose earlier occurrence was NOT from a killed worker (must be empty). */
  unexplained: string[];
  /** Most calls lost with any one kill. */
  maxLostPerKill: number;
}

/** Reads a call log (`{"pid", "agent", "turn"}` lines) and attributes each repeated call to a kill. */
export function auditCalls(logFile: string, kills: readonly Kill[]): CallAudit {
  const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { pid: number; agent: string; turn: number });
  const byKey = new Map<string, number[]>();
  for (const l of lines) {
    const key = `${l.agent}#${l.turn}`;
    const pids = byKey.get(key) ?? [];
    pids.push(l.pid);
    byKey.set(key, pids);
  }
  const killed = new Set(kills.map((k) => k.pid));
  const lostByPid = new Map<number, number>();
  const unexplained: string[] = [];
  let repeated = 0;
  for (const [key, pids] of byKey) {
    // The last call is the one whose step was stored; every earlier one died with its worker.
    for (const pid of pids.slice(0, -1)) {
      repeated += 1;
      if (killed.has(pid)) lostByPid.set(pid, (lostByPid.get(pid) ?? 0) + 1);
      else unexplained.push(`${key} asked by pid ${pid}, which was not killed, and again later`);
    }
  }
  return { calls: lines.length, repeated, unexplained, maxLostPerKill: Math.max(0, ...lostByPid.values()) };
}
