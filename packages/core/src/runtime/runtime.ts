/**
 * The `Runtime` interface: a way to host agents' Python REPLs (a subprocess, a Jupyter kernel,
 * a Docker container). Every runtime runs the same prelude and speaks the same protocol
 * (`protocol.ts`); only the transport differs.
 */
import type { CellError, Context, HostAnswer, Json } from '../schema/state.ts';

/** A host call as the REPL asks for it. */
export type HostCallRequest =
  | { name: 'llm_query'; args: { prompt: string; model: string | null } }
  | { name: 'llm_query_batched'; args: { prompts: string[]; model: string | null } }
  | { name: 'delegate'; args: { name: string; query: string; context: Context | null } }
  | { name: 'tool'; args: { tool: string; args: Json[]; kwargs: Record<string, Json> } };

/**
 * Answers the REPL's host calls during a cell. It never rejects for a failed call: failures are
 * `{ ok: false, error }` answers, raised as Python exceptions inside the REPL. A rejection means
 * the cell cannot go on (e.g. a replay diverged) and the runtime ends the cell with it.
 */
export type HostCallHandler = (call: HostCallRequest) => Promise<HostAnswer>;

/** What one awaited child gave: its result, or the structured reason it has none. */
export type WaitResult = { ok: true; value: Json } | { ok: false; error: { kind: string; message: string } };

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

/**
 * A rich output a cell displayed (a plot, an image), kept out of the text the model sees.
 * Only runtimes that can render rich values (Jupyter) produce them.
 */
export interface DisplayBlob {
  /** MIME type, e.g. `image/png`, `image/svg+xml`. */
  mime: string;
  /** base64 for binary types (as Jupyter sends them), the text itself for SVG. */
  data: string;
}

/** How a cell (or the resumed rest of one) ended, as the runtime reports it. */
export interface CellResult {
  status: 'suspended' | 'ok' | 'done' | 'error' | 'timeout' | 'crashed';
  /** Captured output of this segment (head + tail past `maxOutputChars`). */
  output: string;
  /** True length of this segment's output in characters. */
  outputChars: number;
  /** `done` only: the value passed to `done(...)`. */
  result?: Json;
  /** `suspended` only: the handles (child ids) waited for, in order. */
  awaiting?: string[];
  /** `error` only: the exception, prelude frames removed. */
  error?: CellError;
  /** `timeout` / `crashed`: what happened, e.g. "the REPL process exited with signal SIGKILL". */
  message?: string;
  /** Rich outputs (images) of this segment in display order; absent when none. */
  displays?: DisplayBlob[];
}

/**
 * One agent's REPL. Calls are sequential: one `execute` or `resume` at a time.
 * After a `crashed` result the REPL is dead (`alive` is false) and must be replaced.
 */
export interface Repl {
  /** Runs a cell; resolves when it finishes, suspends at `yield wait(...)`, times out or crashes. */
  execute(code: string, host: HostCallHandler, options: ExecOptions): Promise<CellResult>;
  /** Resumes the suspended cell with the awaited children's results (in handle order). */
  resume(results: readonly WaitResult[], host: HostCallHandler, options: ExecOptions): Promise<CellResult>;
  /** True until the REPL dies or is closed. */
  readonly alive: boolean;
  /** Stops the REPL and frees what it holds. Never rejects. */
  close(): Promise<void>;
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
