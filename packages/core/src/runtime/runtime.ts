/**
 * The `Runtime` interface: a way to host agents' Python REPLs (a subprocess, a Jupyter kernel,
 * a Docker container). Every runtime runs the same prelude and speaks the same protocol
 * (`protocol.ts`); only the transport differs.
 */
import { z } from '../schema/zod.ts';
import { CellStatusSchema, type Context, type Display, type HostAnswer, type WaitResult } from '../schema/state.ts';
import { CellEndMessageSchema, PROTOCOL_VERSION, type CallMessage, type ContextFile, type InitMessage } from './protocol.ts';
import { lazySchema, real } from '../schema/lazy.ts';

/**
 * A host call as the REPL asks for it: its name and its arguments as JSON, not yet validated.
 * The handler validates `args` against the call's module (`HostCallModule.args`).
 */
export type HostCallRequest = Pick<CallMessage, 'name' | 'args'>;

/**
 * Answers the REPL's host calls during a cell. It never rejects for a failed call: failures are
 * `{ ok: false, error }` answers, raised as Python exceptions inside the REPL. A rejection means
 * the cell cannot go on (e.g. a replay diverged) and the runtime ends the cell with it.
 */
export type HostCallHandler = (call: HostCallRequest) => Promise<HostAnswer>;

/** One child's outcome handed to a suspended cell by `Repl.wake` (its result, or its failure), re-exported with the runtime interface that takes it. */
export type { WaitResult };

/** A host tool exposed to agent code as a plain Python function. */
export interface ToolSpec {
  /** Python identifier the function is bound to. */
  name: string;
  /** One line shown in the system prompt and as the function's docstring. */
  description: string;
}

/** What a REPL is started with. */
export interface ReplOptions {
  agentId: string;
  /** Bound to `CONTEXT`. */
  context: Context;
  /** Host tools to define as Python functions. */
  tools: readonly ToolSpec[];
  /** Characters of a cell's output kept (head + tail), the true length counted. */
  maxOutputChars: number;
  /** Python source of host-call stubs of registered modules not built into the prelude (`HostCallModule.python`). */
  stubs?: readonly string[];
}

/**
 * The `init` message for `options`, the same on every runtime. `contextPart` replaces the inline
 * context by a file the REPL reads (a runtime whose REPLs see the host's files).
 */
export function initMessage(options: ReplOptions, contextPart: { context: Context } | { contextFile: ContextFile } = { context: options.context }): InitMessage {
  return {
    type: 'init',
    protocol: PROTOCOL_VERSION,
    agentId: options.agentId,
    ...contextPart,
    tools: options.tools.map((t) => ({ name: t.name, description: t.description })),
    maxOutputChars: options.maxOutputChars,
    ...(options.stubs?.length ? { stubs: [...options.stubs] } : {}),
  };
}

/** Per-cell options. */
export interface ExecOptions {
  /** 0-based index of the cell in the agent's record; names it in tracebacks (`<cell 3>`). */
  cell: number;
  /** Interrupt the cell after this long (ms). */
  timeoutMs: number;
  /** Aborts the cell (interrupts it) when the run is cancelled. */
  signal?: AbortSignal;
}

/** A rich output a cell displayed (a plot, an image), kept out of the text the model sees. */
export type DisplayBlob = Display;

/**
 * How a cell (or the resumed rest of one) ended, as the runtime reports it: the prelude's
 * `cell_end` without its envelope, plus `crashed` (the REPL died) and `message` (`timeout` /
 * `crashed`: what happened, e.g. "the REPL process exited with signal SIGKILL").
 */
export const CellResultSchema = lazySchema(() => real(CellEndMessageSchema).omit({ type: true, cell: true }).extend({
  status: real(CellStatusSchema),
  message: z.string().optional(),
}));
/** How a cell (or the resumed rest of one) ended. */
export type CellResult = z.infer<typeof CellResultSchema>;

/**
 * One agent's REPL. Calls are sequential: one `execute` or `wake` at a time.
 * After a `crashed` result the REPL is dead (`alive` is false) and must be replaced.
 */
export interface Repl {
  /** Runs a cell; resolves when it finishes, suspends at `yield wait(...)`, times out or crashes. */
  execute(code: string, host: HostCallHandler, options: ExecOptions): Promise<CellResult>;
  /**
   * Wakes the cell suspended at `yield wait(...)` with the awaited children's results (in handle
   * order); resolves like `execute` when it stops again.
   */
  wake(results: readonly WaitResult[], host: HostCallHandler, options: ExecOptions): Promise<CellResult>;
  /** True until the REPL dies or is closed. */
  readonly alive: boolean;
  /** Stops the REPL and frees what it holds. Never rejects. */
  close(): Promise<void>;
  /**
   * Optional (runtimes that can copy a live process: subprocess with its fork server): a live
   * copy of this REPL as it is now, between cells (a suspended cell included), that `open()`s
   * into new REPLs in that state without re-running a cell. Resolves null when this REPL cannot
   * be copied (then the engine rebuilds from the record). Sequential with `execute` / `wake`.
   */
  snapshot?(): Promise<ReplSnapshot | null>;
  /**
   * Optional (runtimes that hand big contexts over as files: subprocess, docker): a Python
   * expression that evaluates to `context` in this REPL by reading it from a file (written now
   * when it does not exist yet), so code binding it (a session's later turn) need not carry its
   * text; undefined when it goes inline (a small context, or one UTF-8 cannot carry). The value
   * bound is the same either way.
   */
  contextCode?(context: Context): string | undefined;
}

/**
 * A live copy of a REPL at one point (see `Repl.snapshot`): on subprocess a parked `os.fork()`
 * of the REPL process, sharing its pages copy-on-write. Kept by `ReplSnapshots`.
 */
export interface ReplSnapshot {
  /**
   * A new REPL in the snapshot's state (namespace, imports, a suspended cell), already set up:
   * no `init`, no setup cell, no cell re-run. The snapshot stays and can be opened again.
   * @throws Error when the snapshot is gone (discarded, killed, its runtime closed).
   */
  open(): Promise<Repl>;
  /**
   * Bytes of memory the snapshot holds now, or null when the platform does not say (non-Linux).
   * On subprocess its proportional share of the pages (PSS, with the copy it keeps forked
   * ahead): small while it shares them with the REPL it was copied from, all of them once that
   * REPL has exited.
   */
  memoryBytes(): number | null;
  /** False once the snapshot is gone. */
  readonly alive: boolean;
  /** Frees the snapshot (kills the parked copy; REPLs opened from it live on). Never rejects. */
  discard(): Promise<void>;
}

/** A way to host REPLs. */
export interface Runtime {
  /** e.g. `subprocess`, `jupyter`, `docker`. */
  readonly name: string;
  /** Starts a fresh REPL with the prelude loaded and `CONTEXT` bound. Rejects if it cannot start. */
  open(options: ReplOptions): Promise<Repl>;
  /** Stops every REPL and anything the runtime started (servers, pools). Never rejects. */
  close(): Promise<void>;
}
