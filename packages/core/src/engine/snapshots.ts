/**
 * Live REPL snapshots for fork and rewind (issue 18). Today's way to bring a REPL to the point a
 * state describes is to rebuild it: a fresh REPL re-runs the agent's cells with host calls
 * answered from the record, which costs what those cells cost. A runtime that can copy a live
 * REPL (`Repl.snapshot`, subprocess: a parked `os.fork()`) makes that a fork: `ReplSnapshots`
 * keeps such copies at the step boundaries where a fork is likely and hands out REPLs opened
 * from them. Rebuilding stays the fallback (no snapshot held, a runtime that cannot copy, a state
 * loaded in another process).
 *
 * Which REPL state a snapshot holds is named by a content key (`replKey`): the agent, its input,
 * the run's setup of its REPL, the binding of every turn bound and every recorded cell. Two states
 * with the same key ask for the same REPL, whichever run (a fork has a new run id) or engine
 * they belong to, so one `ReplSnapshots` can serve a session and all its forks.
 */
import type { Repl, ReplSnapshot } from '../runtime/runtime.ts';
import type { AgentNode, Cell, Context, RunState, Turn } from '../schema/state.ts';
import { turnBindingCode } from '../session/bind.ts';
import { nodeCrypto } from '../util/builtins.ts';

/** Options of `ReplSnapshots`. */
export interface ReplSnapshotsOptions {
  /** Snapshots kept per agent, the least recently used dropped first (default 2). */
  keepPerAgent?: number;
  /** Snapshots kept in all (default 32). */
  maxSnapshots?: number;
  /**
   * Bound on the memory the snapshots hold, in bytes (default 256 MiB): the sum of their
   * `ReplSnapshot.memoryBytes` (subprocess: their proportional share of the pages), checked each
   * time one is added; the least recently used are dropped until the sum fits.
   */
  maxBytes?: number;
  /**
   * Where the engine takes snapshots by itself: `supervising` (default) after a step in which an
   * agent suspended at `yield wait(...)` (it stays so while its children run, the steps a fork or
   * rewind most often goes back to) and at the end of each session turn; `every-step` after every
   * cell of every agent (costly: a fork per cell); `none`: only when a fork asks for a REPL that
   * a live one of another engine holds.
   */
  at?: 'supervising' | 'every-step' | 'none';
}

/** Counts of what a `ReplSnapshots` did, for benchmarks and tests. */
export interface SnapshotStats {
  /** Snapshots held now. */
  held: number;
  /** Their memory now (bytes, `ReplSnapshot.memoryBytes`; 0 where the platform does not say). */
  bytes: number;
  /** Snapshots taken so far. */
  taken: number;
  /** REPLs opened from a snapshot so far (each one a rebuild saved). */
  opened: number;
  /** Snapshots dropped to stay within the bounds. */
  evicted: number;
}

interface Held {
  key: string;
  agentId: string;
  snapshot: ReplSnapshot;
  /** The last of the agent's turns bound in it (-1: none). */
  turn: number;
}

interface Live {
  key: string;
  agentId: string;
  turn: number;
}

const cellDigests = new WeakMap<Cell, string>();
const turnDigests = new WeakMap<Turn, string>();
const contextDigests = new WeakMap<object, string>();
/** Recent string contexts' digests (a string cannot key a WeakMap; V8 caches a string's hash). */
const stringDigests = new Map<string, string>();

const sha = (text: string) => nodeCrypto().createHash('sha256').update(text).digest('hex');

function contextDigest(context: Context): string {
  if (typeof context !== 'string') {
    let d = contextDigests.get(context);
    if (!d) contextDigests.set(context, (d = sha(JSON.stringify(context))));
    return d;
  }
  let d = stringDigests.get(context);
  if (!d) {
    d = sha(context);
    if (stringDigests.size >= 16) stringDigests.delete(stringDigests.keys().next().value!);
    stringDigests.set(context, d);
  }
  return d;
}

function cellDigest(cell: Cell): string {
  let d = cellDigests.get(cell);
  if (!d) cellDigests.set(cell, (d = sha(JSON.stringify(cell))));
  return d;
}

/**
 * The content key of the REPL state `node` asks for in `state` with its turns `0..turn` bound
 * (-1: an agent without turns): equal keys mean the same REPL. Null when no snapshot may stand
 * for it: a cell that timed out left in a live REPL what it did before it was stopped, which a
 * rebuild (skipping that cell) does not reproduce, so such states are always rebuilt. Pure;
 * digests of cells, turns and contexts are memoized per (frozen) object, so a step costs hashes
 * of what changed.
 */
export function replKey(state: Pick<RunState, 'tools' | 'limits'>, node: AgentNode, turn: number): string | null {
  if (node.cells.some((c) => c.status === 'timeout')) return null;
  const turns: string[] = [];
  for (let t = 0; t <= turn; t++) {
    const record = node.turns![t]!;
    let d = turnDigests.get(record);
    if (!d) turnDigests.set(record, (d = sha(turnBindingCode(node, t))));
    turns.push(d);
  }
  const setup = { tools: state.tools, maxSubCalls: state.limits.maxSubCalls === 0, maxOutputChars: state.limits.maxOutputChars, paths: node.contextPaths ?? null };
  return sha(JSON.stringify([node.id, node.depth, contextDigest(node.context), setup, turns, node.cells.map(cellDigest)]));
}

/**
 * The keys under which a REPL for `node` may be held, best first, each with the last turn bound
 * in it: all its turns bound, and, when its last turn has run no cell yet, all but that one (the
 * engine then binds it, as for a live REPL).
 */
export function replKeys(state: Pick<RunState, 'tools' | 'limits'>, node: AgentNode): { key: string; turn: number }[] {
  const last = (node.turns?.length ?? 0) - 1;
  const turns = last >= 0 && node.turns![last]!.cellStart === node.cells.length ? [last, last - 1] : [last];
  return turns.flatMap((turn) => {
    const key = replKey(state, node, turn);
    return key === null ? [] : [{ key, turn }];
  });
}

/**
 * The live snapshots of one engine, or of a session and its forks (pass the same object in their
 * options). Its owner closes it (`close`), like the runtime; the runtime's own close also ends
 * the snapshots' processes. See the module comment.
 */
export class ReplSnapshots {
  private readonly held = new Map<string, Held>(); // in use order, least recent first
  private readonly live = new Map<Repl, Live>();
  private readonly keepPerAgent: number;
  private readonly maxSnapshots: number;
  private readonly maxBytes: number;
  private closed = false;
  private counts = { taken: 0, opened: 0, evicted: 0 };
  /** Where the engine takes snapshots by itself (see `ReplSnapshotsOptions.at`). */
  readonly at: 'supervising' | 'every-step' | 'none';

  /** @param options bounds and policy (see `ReplSnapshotsOptions`). @throws RangeError for a negative bound. */
  constructor(options: ReplSnapshotsOptions = {}) {
    this.keepPerAgent = options.keepPerAgent ?? 2;
    this.maxSnapshots = options.maxSnapshots ?? 32;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.at = options.at ?? 'supervising';
    for (const [name, v] of Object.entries({ keepPerAgent: this.keepPerAgent, maxSnapshots: this.maxSnapshots, maxBytes: this.maxBytes })) {
      if (!(v >= 0)) throw new RangeError(`ReplSnapshots: ${name} must be a number >= 0, got ${v}`);
    }
  }

  /** What it holds and did so far. */
  stats(): SnapshotStats {
    let bytes = 0;
    for (const h of this.held.values()) bytes += h.snapshot.memoryBytes() ?? 0;
    return { held: this.held.size, bytes, ...this.counts };
  }

  /**
   * Records that `repl` (owned by an engine, idle between steps) is at the state named `key`, so
   * a fork in another engine can copy it instead of rebuilding. Replaces what was recorded for it.
   */
  register(repl: Repl, key: string, agentId: string, turn: number): void {
    if (!this.closed && repl.snapshot) this.live.set(repl, { key, agentId, turn });
  }

  /** Forgets a live REPL (it is being closed or moved on to a state not recorded yet). */
  unregister(repl: Repl): void {
    this.live.delete(repl);
  }

  /**
   * Keeps a snapshot of `repl` at the state `key` (no-op when one is held or the REPL cannot be
   * copied), then drops the least recently used ones past the bounds. Never rejects: a copy that
   * fails only means a later fork rebuilds.
   */
  async keep(repl: Repl, key: string, agentId: string, turn: number): Promise<void> {
    if (this.closed || this.held.has(key) || !repl.snapshot || !repl.alive || this.maxSnapshots === 0 || this.keepPerAgent === 0) return;
    const snapshot = await repl.snapshot().catch(() => null);
    if (!snapshot) return;
    if (this.closed || this.held.has(key)) {
      await snapshot.discard();
      return;
    }
    this.held.set(key, { key, agentId, snapshot, turn });
    this.counts.taken += 1;
    await this.evict(agentId);
  }

  /**
   * A REPL at one of `keys` (best first; see `replKeys`): opened from a held snapshot, or from a
   * snapshot taken now of a live REPL registered at that key; null when neither exists (rebuild).
   * `turn` is the last turn bound in it. Never rejects.
   */
  async open(keys: readonly { key: string; turn: number }[]): Promise<{ repl: Repl; turn: number } | null> {
    if (this.closed) return null;
    for (const { key } of keys) {
      let held = this.held.get(key);
      if (held && !held.snapshot.alive) {
        this.held.delete(key);
        held = undefined;
      }
      if (!held) {
        const live = [...this.live].find(([repl, l]) => l.key === key && repl.alive);
        if (!live) continue;
        await this.keep(live[0], key, live[1].agentId, live[1].turn);
        held = this.held.get(key);
        if (!held) continue;
      }
      this.held.delete(key); // most recently used goes last
      this.held.set(key, held);
      try {
        const repl = await held.snapshot.open();
        this.counts.opened += 1;
        return { repl, turn: held.turn };
      } catch {
        this.held.delete(key);
        await held.snapshot.discard();
      }
    }
    return null;
  }

  private async evict(agentId: string): Promise<void> {
    const drop: Held[] = [];
    const ofAgent = [...this.held.values()].filter((h) => h.agentId === agentId);
    drop.push(...ofAgent.slice(0, Math.max(0, ofAgent.length - this.keepPerAgent)));
    const rest = [...this.held.values()].filter((h) => !drop.includes(h));
    drop.push(...rest.slice(0, Math.max(0, rest.length - this.maxSnapshots)));
    const kept = rest.filter((h) => !drop.includes(h));
    let bytes = kept.reduce((s, h) => s + (h.snapshot.memoryBytes() ?? 0), 0);
    for (const h of kept) {
      if (bytes <= this.maxBytes) break;
      bytes -= h.snapshot.memoryBytes() ?? 0;
      drop.push(h);
    }
    for (const h of drop) this.held.delete(h.key);
    this.counts.evicted += drop.length;
    await Promise.all(drop.map((h) => h.snapshot.discard()));
  }

  /** Discards every snapshot; later calls keep and open nothing. Never rejects. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.held.values()];
    this.held.clear();
    this.live.clear();
    await Promise.all(all.map((h) => h.snapshot.discard()));
  }
}
