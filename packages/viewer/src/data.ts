/**
 * The viewer's data: a run's states as the agents of the first state plus, for each step, only
 * what changed (per-agent patches; appended messages, cells and children as array tails). The
 * page rebuilds any step from these (see `page/store.ts`), so a trace of 500 agents and 2,000
 * steps is embedded once, not once per step. Long strings are stored once in a string table.
 *
 * This module's types are shared with the page code (no Node imports here).
 */
import type { AgentNode, Cell, HostCall, Json, RunEvent, RunState, Usage } from '@rlmtree/core';

/** Version of the embedded data format. */
export const VIEWER_DATA_VERSION = 1;

/** A string, or an index into `ViewerData.strings` (long strings are stored once). */
export type Str = string | number;

/** What the page shows of an agent's `CONTEXT` (never the context itself: it can be 100 MB). */
export interface ContextSummary {
  /** Total characters (all documents). */
  chars: number;
  /** Number of documents, or null for a single string. */
  docs: number | null;
  /** The first characters (at most `PREVIEW_CHARS`). */
  preview: string;
}

/** One host call as shown: arguments and answer as JSON text cut to `MAX_JSON_CHARS`. */
export interface CallRecord {
  name: HostCall['name'];
  args: Str;
  /** The answer's value (or error message) as text; null while a `wait` is pending. */
  answer: Str | null;
  ok: boolean | null;
  usage: Usage | null;
}

/** One cell as shown. */
export interface CellRecord {
  index: number;
  code: Str;
  output: Str;
  outputChars: number;
  status: Cell['status'];
  error: Cell['error'];
  calls: CallRecord[];
}

/** One agent as shown; messages are `[role, content]` pairs. */
export interface NodeRecord {
  id: string;
  name: string;
  parentId: string | null;
  depth: number;
  query: Str;
  context: ContextSummary;
  status: AgentNode['status'];
  iteration: number;
  messages: [AgentNode['messages'][number]['role'], Str][];
  pendingCode: Str | null;
  cells: CellRecord[];
  children: string[];
  awaiting: string[];
  /** `done(...)`'s value as JSON text (cut to `MAX_JSON_CHARS`), or null. */
  result: Str | null;
  error: AgentNode['error'];
  usage: Usage;
}

/** Array fields patched as "keep the first `from` items, then append `items`". */
export type TailPatch<T> = [from: number, items: T[]];

/** How one agent changed in a step: a new agent (`n`), or changed fields. */
export interface NodePatch {
  id: string;
  /** The whole agent, when it first appears. */
  n?: NodeRecord;
  /** Replaced scalar fields (status, iteration, pendingCode, awaiting, result, error, usage). */
  s?: Partial<Pick<NodeRecord, 'status' | 'iteration' | 'pendingCode' | 'awaiting' | 'result' | 'error' | 'usage'>>;
  m?: TailPatch<NodeRecord['messages'][number]>;
  c?: TailPatch<CellRecord>;
  ch?: TailPatch<string>;
  /** The agent is gone (not in a linear run; kept so any state sequence round-trips). */
  x?: true;
}

/** One step: its wall time (ms) and the agents it changed. */
export interface StepDelta {
  durationMs: number;
  patches: NodePatch[];
}

/** Everything the page needs, embedded as JSON. */
export interface ViewerData {
  format: 'rlmtree.viewer';
  version: typeof VIEWER_DATA_VERSION;
  runId: string;
  rootId: string;
  /** The first state's `step` (0 for a run from the start, more for a fork). */
  firstStep: number;
  title: string;
  strings: string[];
  /** Agents of the first state. */
  initial: NodeRecord[];
  /** `steps[i]` turns state `firstStep + i` into state `firstStep + i + 1`. */
  steps: StepDelta[];
}

/** Characters of a context preview. */
export const PREVIEW_CHARS = 400;
/** Characters of JSON kept for host-call arguments, answers and results (head + tail). */
export const MAX_JSON_CHARS = 20_000;
/** Strings at least this long go to the string table (shorter ones are cheaper inline). */
const INTERN_MIN_CHARS = 48;

/** Builds `ViewerData` from a run's states, reusing unchanged agents' identity to skip them. */
export interface BuildOptions {
  /** Page title (default: the root's query). */
  title?: string;
  /** Events of each step (`events[i]` made `states[i + 1]`); used for step durations. */
  events?: readonly (readonly RunEvent[])[];
}

/**
 * Turns a run's consecutive states into viewer data. Cost: one pass over the agents per step;
 * agents that are the same object as in the previous state (immer shares them) are skipped
 * without comparing their fields.
 * @throws Error when `states` is empty or the states are of different runs.
 */
export function buildViewerData(states: readonly RunState[], options: BuildOptions = {}): ViewerData {
  const first = states[0];
  if (!first) throw new Error('buildViewerData: no states (a run has at least its initial state)');
  const pool = new StringPool();
  const rec = new Recorder(pool);
  const initial = Object.values(first.nodes).map((n) => rec.node(n));
  const steps: StepDelta[] = [];
  for (let i = 1; i < states.length; i++) {
    const prev = states[i - 1]!;
    const next = states[i]!;
    if (next.runId !== first.runId) throw new Error(`buildViewerData: state ${i} is of run ${next.runId}, state 0 of ${first.runId}`);
    const patches: NodePatch[] = [];
    for (const [id, node] of Object.entries(next.nodes)) {
      const before = prev.nodes[id];
      if (before === node) continue;
      const patch = before ? rec.patch(before, node) : { id, n: rec.node(node) };
      if (patch) patches.push(patch);
    }
    for (const id of Object.keys(prev.nodes)) if (!next.nodes[id]) patches.push({ id, x: true });
    const ended = options.events?.[i - 1]?.findLast((e) => e.type === 'step_ended');
    steps.push({ durationMs: ended?.type === 'step_ended' ? Math.round(ended.durationMs) : Math.max(0, Math.round(next.elapsedMs - prev.elapsedMs)), patches });
  }
  const root = first.nodes[first.rootId];
  return {
    format: 'rlmtree.viewer',
    version: VIEWER_DATA_VERSION,
    runId: first.runId,
    rootId: first.rootId,
    firstStep: first.step,
    title: options.title ?? root?.query ?? first.runId,
    strings: pool.strings,
    initial,
    steps,
  };
}

class StringPool {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  str(s: string): Str {
    if (s.length < INTERN_MIN_CHARS) return s;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.push(s) - 1;
      this.index.set(s, i);
    }
    return i;
  }
}

/** Converts agents, cells and calls to records, remembering converted objects by identity. */
class Recorder {
  private readonly pool: StringPool;
  private readonly cellCache = new WeakMap<Cell, CellRecord>();
  constructor(pool: StringPool) {
    this.pool = pool;
  }

  node(n: AgentNode): NodeRecord {
    return {
      id: n.id,
      name: n.name,
      parentId: n.parentId,
      depth: n.depth,
      query: this.pool.str(n.query),
      context: summarizeContext(n.context),
      status: n.status,
      iteration: n.iteration,
      messages: n.messages.map((m) => [m.role, this.pool.str(m.content)]),
      pendingCode: n.pendingCode === null ? null : this.pool.str(n.pendingCode),
      cells: n.cells.map((c) => this.cell(c)),
      children: [...n.children],
      awaiting: [...n.awaiting],
      result: n.result === null ? null : this.pool.str(jsonText(n.result)),
      error: n.error,
      usage: n.usage,
    };
  }

  cell(c: Cell): CellRecord {
    let r = this.cellCache.get(c);
    if (!r) {
      r = {
        index: c.index,
        code: this.pool.str(c.code),
        output: this.pool.str(c.output),
        outputChars: c.outputChars,
        status: c.status,
        error: c.error,
        calls: c.calls.map((call) => ({
          name: call.name,
          args: this.pool.str(jsonText(call.args)),
          answer: call.answer === null ? null : this.pool.str(call.answer.ok ? jsonText(call.answer.value) : call.answer.error),
          ok: call.answer === null ? null : call.answer.ok,
          usage: call.usage ?? null,
        })),
      };
      this.cellCache.set(c, r);
    }
    return r;
  }

  /** The fields of `b` that differ from `a`, or null when nothing shown changed. */
  patch(a: AgentNode, b: AgentNode): NodePatch | null {
    const p: NodePatch = { id: b.id };
    const s: NonNullable<NodePatch['s']> = {};
    if (a.status !== b.status) s.status = b.status;
    if (a.iteration !== b.iteration) s.iteration = b.iteration;
    if (a.pendingCode !== b.pendingCode) s.pendingCode = b.pendingCode === null ? null : this.pool.str(b.pendingCode);
    if (!sameList(a.awaiting, b.awaiting)) s.awaiting = [...b.awaiting];
    if (a.result !== b.result && jsonText(a.result) !== jsonText(b.result)) s.result = b.result === null ? null : this.pool.str(jsonText(b.result));
    if (a.error !== b.error && JSON.stringify(a.error) !== JSON.stringify(b.error)) s.error = b.error;
    if (a.usage !== b.usage && JSON.stringify(a.usage) !== JSON.stringify(b.usage)) s.usage = b.usage;
    if (Object.keys(s).length) p.s = s;
    const m = tail(a.messages, b.messages, (x, y) => x.role === y.role && x.content === y.content);
    if (m) p.m = [m[0], m[1].map((x) => [x.role, this.pool.str(x.content)])];
    const c = tail(a.cells, b.cells, (x, y) => JSON.stringify(x) === JSON.stringify(y));
    if (c) p.c = [c[0], c[1].map((x) => this.cell(x))];
    const ch = tail(a.children, b.children, (x, y) => x === y);
    if (ch) p.ch = ch;
    return p.s || p.m || p.c || p.ch ? p : null;
  }
}

/** The first index where `b` differs from `a` and `b`'s items from there, or null when equal. */
function tail<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): TailPatch<T> | null {
  if (a === b) return null;
  let i = 0;
  while (i < a.length && i < b.length && (a[i] === b[i] || same(a[i]!, b[i]!))) i++;
  if (i === a.length && i === b.length) return null;
  return [i, b.slice(i)];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}

/** A string as it is, anything else as JSON text; head + tail when longer than `MAX_JSON_CHARS`. */
export function jsonText(value: Json | unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
  if (text.length <= MAX_JSON_CHARS) return text;
  const half = MAX_JSON_CHARS / 2;
  return `${text.slice(0, half)}\n… ${text.length - MAX_JSON_CHARS} characters cut …\n${text.slice(-half)}`;
}

/** Size and first characters of a context. */
export function summarizeContext(context: AgentNode['context']): ContextSummary {
  if (typeof context === 'string') return { chars: context.length, docs: null, preview: context.slice(0, PREVIEW_CHARS) };
  let chars = 0;
  for (const d of context) chars += d.length;
  return { chars, docs: context.length, preview: (context[0] ?? '').slice(0, PREVIEW_CHARS) };
}
