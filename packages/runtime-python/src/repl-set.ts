/** The live `ProcessRepl`s of one runtime: binds started processes to agents and closes them all. */
import type { ReplOptions, WarmPool } from '@rlmtree/core';
import { ProcessRepl, type StartedProcess } from './process-repl.ts';

/** Tracks the REPLs a runtime opened until they exit or the runtime closes. */
export class ProcessReplSet {
  private readonly live = new Set<ProcessRepl>();
  private readonly interruptGraceMs: number | undefined;

  /** @param interruptGraceMs passed to every REPL (see `ProcessReplOptions`). */
  constructor(interruptGraceMs?: number) {
    this.interruptGraceMs = interruptGraceMs;
  }

  /** Sends `init` to a started process and tracks the resulting REPL. */
  bind(proc: StartedProcess, options: ReplOptions): ProcessRepl {
    const repl: ProcessRepl = ProcessRepl.init(proc, options, {
      interruptGraceMs: this.interruptGraceMs,
      onExit: () => this.live.delete(repl),
    });
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
