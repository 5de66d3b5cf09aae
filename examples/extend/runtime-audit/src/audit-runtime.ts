/**
 * `AuditRuntime`: a `Runtime` that hosts REPLs on another runtime and records one `AuditEntry`
 * per cell (agent, cell index, how it ended, time taken) — the shape of a runtime that adds
 * something around the REPLs (auditing, quotas, metrics). A runtime that hosts Python itself
 * (see packages/runtime-pyodide) implements the same two interfaces.
 */
import type { CellResult, ExecOptions, HostCallHandler, Repl, ReplOptions, Runtime, WaitResult } from '@rlmtree/core';

/** One cell as the audit saw it. */
export interface AuditEntry {
  agentId: string;
  /** The cell's index in the agent's record. */
  cell: number;
  /** `execute` for a new cell, `wake` for the rest of a suspended one. */
  kind: 'execute' | 'wake';
  /** How the cell (segment) ended. */
  status: CellResult['status'];
  /** Wall time of the call (ms). */
  ms: number;
}

class AuditRepl implements Repl {
  private readonly inner: Repl;
  private readonly agentId: string;
  private readonly record: (entry: AuditEntry) => void;

  constructor(inner: Repl, agentId: string, record: (entry: AuditEntry) => void) {
    this.inner = inner;
    this.agentId = agentId;
    this.record = record;
  }

  get alive(): boolean {
    return this.inner.alive;
  }

  execute(code: string, host: HostCallHandler, options: ExecOptions): Promise<CellResult> {
    return this.timed('execute', options, () => this.inner.execute(code, host, options));
  }

  wake(results: readonly WaitResult[], host: HostCallHandler, options: ExecOptions): Promise<CellResult> {
    return this.timed('wake', options, () => this.inner.wake(results, host, options));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async timed(kind: AuditEntry['kind'], options: ExecOptions, run: () => Promise<CellResult>): Promise<CellResult> {
    const started = performance.now();
    const result = await run();
    this.record({ agentId: this.agentId, cell: options.cell, kind, status: result.status, ms: performance.now() - started });
    return result;
  }
}

/** See the file comment. */
export class AuditRuntime implements Runtime {
  readonly name: string;
  private readonly inner: Runtime;
  private readonly record: (entry: AuditEntry) => void;

  /**
   * @param inner the runtime that hosts the REPLs (closed with this one)
   * @param record called once per cell, after it ends
   */
  constructor(inner: Runtime, record: (entry: AuditEntry) => void) {
    this.inner = inner;
    this.record = record;
    this.name = `audit(${inner.name})`;
  }

  /** Opens a REPL on the inner runtime. @throws what the inner runtime throws. */
  async open(options: ReplOptions): Promise<Repl> {
    return new AuditRepl(await this.inner.open(options), options.agentId, this.record);
  }

  /** Closes the inner runtime. Never rejects. */
  close(): Promise<void> {
    return this.inner.close();
  }
}
