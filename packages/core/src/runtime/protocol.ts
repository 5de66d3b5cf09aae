/**
 * The JSON protocol between the host and the REPL prelude, the same on every runtime, written
 * once: every message (both directions) is a zod schema here and the TypeScript types are
 * inferred from them. `docs/protocol.md` lists the same messages and fields; a test
 * (`protocol-doc.test.ts`) fails when the two differ. Each message is one JSON object; over pipes,
 * one per line.
 *
 * host -> REPL: `init`, `exec`, `wake`, `answer`, `shutdown`, `snapshot` / `share_context` (fork-server REPLs)
 * REPL -> host: `ready`, `call`, `cell_end`, `fatal`, `snapshot_ready` / `snapshot_failed`
 * transport envelopes: `next` (Jupyter: the prelude fetches a large host message over stdin),
 *   `rlmtree` (Jupyter: the nonce on every stdin request), `listening` (the fork server's first line)
 *
 * Adding a field: give it `.optional()` here (so the other side may lack it), add it to
 * docs/protocol.md, read or write it in the prelude package (`rlmtree_prelude/dispatch.py`, `repl.py`). Bump
 * `PROTOCOL_VERSION` only when a message changes incompatibly.
 */
import { z } from '../schema/zod.ts';
import { BoundNameSchema, CellErrorSchema, ContextSchema, DisplaySchema, HostAnswerSchema, HostCallNameSchema, JsonSchema, WaitResultSchema } from '../schema/state.ts';
import { lazySchema, real } from '../schema/lazy.ts';
import { quickParse, withFastPath } from '../schema/fast-path.ts';
import { exitedMessageFastPath, listeningMessageFastPath, replMessageFastPath } from './protocol-fast-path.ts';

/**
 * Protocol version; host and prelude compare it at start (`ready.protocol`, `init.protocol`) and
 * refuse each other on a difference. 2: host call names are open (a registry), arguments are
 * validated by the host, failed answers carry `kind`, `init` carries `stubs`, `resume` is
 * named `wake`, and every transport's `ready` carries `pid`.
 */
export const PROTOCOL_VERSION = 2;

/**
 * The prelude a REPL runs speaks another protocol version than this host: they come from
 * different rlmtree releases (most often a Docker image, or a prelude copied by hand, left from
 * an older one). Thrown when the REPL starts, before any cell runs.
 */
export class ProtocolVersionError extends Error {
  /** The version the prelude reported in `ready`. */
  readonly prelude: number;
  /** This host's `PROTOCOL_VERSION`. */
  readonly host: number;
  /**
   * @param where the runtime and REPL, for the message (e.g. `subprocess REPL`)
   * @param prelude the version the prelude reported
   */
  constructor(where: string, prelude: number) {
    super(
      `${where}: the prelude speaks protocol ${prelude}, this host speaks protocol ${PROTOCOL_VERSION}; ` +
        'use the prelude of the same rlmtree release as @rlmtree/core (rebuild a Docker image made from another release)',
    );
    this.name = 'ProtocolVersionError';
    this.prelude = prelude;
    this.host = PROTOCOL_VERSION;
  }
}

/**
 * Checks the protocol version of a prelude's `ready` message.
 * @throws ProtocolVersionError naming both versions when it is not `PROTOCOL_VERSION`.
 */
export function checkProtocolVersion(where: string, ready: { protocol: number }): void {
  if (ready.protocol !== PROTOCOL_VERSION) throw new ProtocolVersionError(where, ready.protocol);
}

/**
 * A host tool as the REPL is told of it: bound as a plain Python function `name(*args, **kwargs)`
 * (a typed tool's real `def` is bound over it by `engine/agent-setup.ts`).
 */
export const InitToolSchema = lazySchema(() => z.object({
  name: z.string(),
  description: z.string(),
}));

// ------------------------------------------------------------------ host -> REPL

/**
 * A context the REPL reads from a file instead of from the `init` message (subprocess and docker
 * runtimes, `runtime-python/src/context-files.ts`): the file holds the context's UTF-8 bytes (a
 * list context: its documents' bytes one after another).
 */
export const ContextFileSchema = lazySchema(() => z.object({
  /** The file as the REPL sees it (inside a container: under its read-only mount). */
  path: z.string(),
  /** Length of the file in bytes; a file of another length is refused (`fatal`). */
  bytes: z.number().int().nonnegative(),
  /** A list context: each document's length in bytes, in order. Absent: `CONTEXT` is one str. */
  documents: z.array(z.number().int().nonnegative()).optional(),
  /**
   * A str context: sha256 (hex) of `"str\0"` + the file's bytes, the hash of `CONTEXT`'s
   * fingerprint (`cell_end.bound`), computed once on the host so each REPL need not hash the
   * whole context again.
   */
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /**
   * The file's content address, as the host named it (sha256 hex of a str's UTF-8 bytes; of a
   * list: of `"list:"` and its documents' sha256s joined by `,`). The REPL hashes the bytes it
   * reads and refuses a file that does not match (changed after it was written).
   */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
}));
/** A context file (`init.contextFile`). */
export type ContextFile = z.infer<typeof ContextFileSchema>;

/**
 * Binds the REPL to an agent: `CONTEXT`, tools, output bound. No reply unless it fails (`fatal`).
 * `CONTEXT` comes from `context` or, when that is absent, from `contextFile` (one of the two).
 */
export const InitMessageSchema = lazySchema(() => z.object({
  type: z.literal('init'),
  protocol: z.number().int(),
  agentId: z.string(),
  /** The context itself (absent when `contextFile` carries it). */
  context: real(ContextSchema).optional(),
  /** The context as a file the REPL reads (absent when `context` carries it). */
  contextFile: real(ContextFileSchema).optional(),
  tools: z.array(real(InitToolSchema)),
  maxOutputChars: z.number().int().positive(),
  /**
   * Python source of host-call stubs from registered modules that are not built into the prelude
   * (`HostCallModule.python`), run in the agent's namespace with `host_call(name, args)` bound.
   */
  stubs: z.array(z.string()).optional(),
}));

/** The `init` message. */
export type InitMessage = z.infer<typeof InitMessageSchema>;

/** Runs a cell; the reply is its `cell_end`. */
export const ExecMessageSchema = lazySchema(() => z.object({
  type: z.literal('exec'),
  /** 0-based index of the cell in the agent's record (`<cell N>` in tracebacks). */
  cell: z.number().int().nonnegative(),
  code: z.string(),
}));

/** Wakes the suspended cell with the awaited children's results (handle order); the reply is a `cell_end`. */
export const WakeMessageSchema = lazySchema(() => z.object({
  type: z.literal('wake'),
  cell: z.number().int().nonnegative(),
  results: z.array(real(WaitResultSchema)),
}));

/** The host's answer to a `call` (same `id`). */
export const AnswerMessageSchema = lazySchema(() => z.intersection(z.object({ type: z.literal('answer'), id: z.number().int() }), real(HostAnswerSchema)));

/** Asks the prelude to exit. */
export const ShutdownMessageSchema = lazySchema(() => z.object({ type: z.literal('shutdown') }));

/**
 * Between cells only, and only to a REPL forked by the fork server: park a copy of the REPL
 * (`os.fork()`, copy-on-write) listening on the Unix socket `path`; each connection to it opens a
 * new REPL in the copy's state. The reply is `snapshot_ready` or `snapshot_failed`.
 */
export const SnapshotMessageSchema = lazySchema(() => z.object({
  type: z.literal('snapshot'),
  /** Where the parked copy listens (a Unix socket path the host chose; it must not exist). */
  path: z.string().min(1),
}));

/**
 * Before `init` only, and only to a REPL forked by the fork server: read `contextFile` once and
 * park a copy of the REPL holding it at `path` (a context server): REPLs opened there, and this
 * one at its `init` with that file, bind the one decoded `CONTEXT`, shared copy-on-write. The
 * reply is `snapshot_ready` or `snapshot_failed` (the file cannot be read as described).
 */
export const ShareContextMessageSchema = lazySchema(() => z.object({
  type: z.literal('share_context'),
  /** Where the context server listens (a Unix socket path the host chose; it must not exist). */
  path: z.string().min(1),
  contextFile: real(ContextFileSchema),
}));

/** Every message the host sends. */
export const HostMessageSchema = lazySchema(() => z.union([real(InitMessageSchema), real(ExecMessageSchema), real(WakeMessageSchema), real(AnswerMessageSchema), real(ShutdownMessageSchema), real(SnapshotMessageSchema), real(ShareContextMessageSchema)]));
/** A message the host sends. */
export type HostMessage = z.infer<typeof HostMessageSchema>;

// ------------------------------------------------------------------ REPL -> host

/** The prelude is loaded (first message on every transport). */
export const ReadyMessageSchema = lazySchema(() => z.object({
  type: z.literal('ready'),
  protocol: z.number(),
  /** Python version, e.g. `3.11.2`. */
  python: z.string(),
  /** The REPL's process id as seen where it runs (e.g. inside a container); lets the host interrupt it. */
  pid: z.number().int().positive().optional(),
}));

/** A host call; the cell blocks until the `answer`. `args` are validated by the host against the call's module. */
export const CallMessageSchema = lazySchema(() => z.object({
  type: z.literal('call'),
  /** Increasing per REPL; the answer carries it back. */
  id: z.number().int(),
  name: real(HostCallNameSchema),
  args: z.record(z.string(), real(JsonSchema)),
}));

/** How the prelude reports a cell (or resumed segment) that stopped. */
export const CellEndStatusSchema = lazySchema(() => z.enum(['suspended', 'ok', 'done', 'error', 'timeout']));

/** The cell stopped. */
export const CellEndMessageSchema = lazySchema(() => z.object({
  type: z.literal('cell_end'),
  cell: z.number().int(),
  status: real(CellEndStatusSchema),
  /** Captured output of this segment (head + tail past `maxOutputChars`). */
  output: z.string(),
  /** True length of this segment's output in characters. */
  outputChars: z.number().int().nonnegative(),
  /** `done` only: the value passed to `done(...)`. */
  result: real(JsonSchema).optional(),
  /** `suspended` only: the handles (child ids) waited for, in order. */
  awaiting: z.array(z.string()).optional(),
  /** `error` only: the exception, prelude frames removed. */
  error: real(CellErrorSchema).optional(),
  /** Rich outputs (images) of this segment in display order; absent when none (only Jupyter renders them). */
  displays: z.array(real(DisplaySchema)).optional(),
  /**
   * The names this segment bound or changed: type and sha256 of a bounded repr (of the whole text
   * for `str` / `bytes`). A rebuilt REPL's are compared with the record (`restore_diverged`).
   */
  bound: z.array(real(BoundNameSchema)).optional(),
}));

/** The prelude cannot go on (a protocol mismatch, a prelude bug). */
export const FatalMessageSchema = lazySchema(() => z.object({ type: z.literal('fatal'), message: z.string() }));

/** The reply to `snapshot`: the parked copy listens; `pid` is its process id (as the host sees it). */
export const SnapshotReadyMessageSchema = lazySchema(() => z.object({ type: z.literal('snapshot_ready'), pid: z.number().int().positive() }));

/** The reply to `snapshot` when no copy could be made (the REPL goes on unchanged). */
export const SnapshotFailedMessageSchema = lazySchema(() => z.object({ type: z.literal('snapshot_failed'), message: z.string() }));

/** Messages the REPL sends, validated on arrival. */
export const ReplMessageSchema = lazySchema(() => z.discriminatedUnion('type', [
  real(ReadyMessageSchema),
  real(CallMessageSchema),
  real(CellEndMessageSchema),
  real(FatalMessageSchema),
  real(SnapshotReadyMessageSchema),
  real(SnapshotFailedMessageSchema),
]));
/** A message from the REPL. */
export type ReplMessage = z.infer<typeof ReplMessageSchema>;
/** A `cell_end` message. */
export type CellEndMessage = z.infer<typeof CellEndMessageSchema>;
/** A `call` message. */
export type CallMessage = z.infer<typeof CallMessageSchema>;
// The common messages are checked without building the schemas (protocol-fast-path.ts).
withFastPath(ReplMessageSchema, replMessageFastPath);

// ------------------------------------------------------------------ transport envelopes

/** Jupyter: a stdin request asking for the host message too large to inline in the cell's code. */
export const NextRequestSchema = lazySchema(() => z.object({ type: z.literal('next'), rlmtree: z.string() }));
/** Jupyter: every stdin request of the prelude carries this REPL's nonce as `rlmtree`; one without it is agent code's own `input()`. */
export const JupyterEnvelopeSchema = lazySchema(() => z.object({ rlmtree: z.string() }));
/**
 * The fork server's first stdout line: it listens; `pid` is its process id; `preImportErrors`
 * (absent when none) the modules of its `preImports` list that failed to import, with the error.
 */
export const ListeningMessageSchema = lazySchema(() => z.object({
  type: z.literal('listening'),
  pid: z.number().int().positive(),
  preImportErrors: z.array(z.object({ module: z.string(), error: z.string() })).optional(),
}));
/** A `listening` line. */
export type ListeningMessage = z.infer<typeof ListeningMessageSchema>;
withFastPath(ListeningMessageSchema, listeningMessageFastPath);

/**
 * The fork server's later stdout lines: a REPL it forked has ended, with its exit `code`, or the
 * `signal` that killed it (e.g. `SIGKILL` from the kernel's out-of-memory killer), so the host's
 * crash message can say so although the REPL is not its own child.
 */
export const ExitedMessageSchema = lazySchema(() => z.object({
  type: z.literal('exited'),
  /** The REPL's pid, as its `ready` reported it. */
  pid: z.number().int().positive(),
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
}));
/** An `exited` line. */
export type ExitedMessage = z.infer<typeof ExitedMessageSchema>;
withFastPath(ExitedMessageSchema, exitedMessageFastPath);

/**
 * Parses one JSON text against `schema` (through its fast path, when it has one: the same
 * result, see `schema/fast-path.ts`).
 * @throws Error naming the offending field when the text is not JSON or not a valid message.
 */
export function parseMessage<T>(schema: z.ZodType<T>, text: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`protocol: not JSON: ${text.slice(0, 120)}`);
  }
  const parsed = quickParse(schema, raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`protocol: bad message (${issue?.path.join('.') || 'message'}: ${issue?.message}): ${text.slice(0, 120)}`);
  }
  return parsed.data;
}

/**
 * Parses one protocol message from the REPL.
 * @throws Error naming the offending field when the text is not a valid message.
 */
export function parseReplMessage(text: string): ReplMessage {
  return parseMessage(ReplMessageSchema, text);
}
