/** The live `ProcessRepl`s of one runtime: binds started processes to agents and closes them all. */
import { ProcessRepl, type SnapshotSupport, type StartedProcess } from './process-repl.ts';
import type { ContextFile } from './protocol.ts';
import type { Repl, ReplOptions } from './runtime.ts';
import type { Context } from '../schema/state.ts';

/**
 * How a runtime hands an agent's context to its REPL: inline, or as a file the REPL reads
 * (runtime-python's `ContextFiles.part`).
 */
export type ContextPartOf = (context: Context) => ContextPart;

/** The part of an `init` message that carries the context: the text itself, or a file. */
export type ContextPart = { context: Context } | { contextFile: ContextFile };
import type { WarmPool } from './warm-pool.ts';

/** Tracks the REPLs a runtime opened until they exit or the runtime closes. */
export class ProcessReplSet {
  private readonly live = new Set<ProcessRepl>();
  private readonly interruptGraceMs: number | undefined;

  private readonly snapshots: SnapshotSupport | undefined;
  private readonly contextPart: ContextPartOf | undefined;

  /**
   * @param interruptGraceMs passed to every REPL (see `ProcessReplOptions`).
   * @param snapshots how the REPLs park live copies, given `adopt` (tracks a REPL opened from a
   *   snapshot like the others); without it the REPLs take none.
   * @param contextPart how each REPL's `init` carries its context (default: inline).
   */
  constructor(interruptGraceMs?: number, snapshots?: (adopt: (proc: StartedProcess) => Repl) => SnapshotSupport, contextPart?: ContextPartOf) {
    this.interruptGraceMs = interruptGraceMs;
    this.contextPart = contextPart;
    this.snapshots = snapshots?.((proc) => this.track(proc, null));
  }

  /**
   * Sends `init` to a started process and tracks the resulting REPL. `forked`: a REPL that can
   * take snapshots (with `snapshots` given; default true — e.g. false for one the subprocess
   * runtime started without its fork server). `part`: how `init` carries the context (default:
   * `partOf(options.context)`).
   */
  bind(proc: StartedProcess, options: ReplOptions, forked = true, part?: ContextPart): ProcessRepl {
    return this.track(proc, options, forked, part);
  }

  /**
   * How `init` will carry `context` (inline, or the file the runtime's `contextPart` gives), for
   * a runtime that picks the process by it before `bind` (a context server, runtime-python's
   * `ContextServers`).
   */
  partOf(context: Context): ContextPart {
    return this.contextPart?.(context) ?? { context };
  }

  /** Tracks a REPL over `proc`: a new one (`init` sent) or, with null, one opened from a snapshot. */
  private track(proc: StartedProcess, options: ReplOptions | null, forked = true, part?: ContextPart): ProcessRepl {
    const own = {
      interruptGraceMs: this.interruptGraceMs,
      onExit: () => this.live.delete(repl),
      ...(this.snapshots && forked ? { snapshots: this.snapshots } : {}),
      ...(this.contextPart ? { contextPart: this.contextPart } : {}),
    };
    const repl: ProcessRepl = options ? ProcessRepl.init(proc, options, own, part ?? this.contextPart?.(options.context)) : ProcessRepl.adopt(proc, own);
    this.live.add(repl);
    return repl;
  }

  /**
   * Closes every tracked REPL; with `pool`, first stops it and kills the started processes it
   * held (a runtime's close). Never rejects.
   */
  async closeAll(pool?: WarmPool<StartedProcess>): Promise<void> {
    const idle = (await pool?.drain()) ?? [];
    for (const proc of idle) proc.control.kill();
    const repls = [...this.live];
    this.live.clear();
    await Promise.all(repls.map((r) => r.close()));
  }
}
