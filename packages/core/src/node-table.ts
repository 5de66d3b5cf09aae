/**
 * The agents of a run as a persistent map, so that a step that changes k agents costs O(k log N),
 * not O(N) (issue 18). `RunState.nodes` stays what users read and what is serialized: a frozen
 * record in insertion order. A state the reducer makes keeps its agents in a `NodeTable` and
 * builds that record only when `state.nodes` is first read (then once per state). The engine's
 * own per-step reads (`nodeOf`, `unfinishedNodes`, `nodeCount`) go to the table and never build it.
 *
 * Layout: agent ids in insertion order on an append-only `Spine` (shared by a lineage of states;
 * a state appends in place when it is the spine's newest, else copies it: a fork), and the nodes
 * by position in a 32-way persistent trie (Bagwell's persistent vector, as in Clojure) whose
 * chunks also count their unfinished agents, so the planner visits only subtrees with work.
 */
import type { AgentNode, RunState } from './schema/state.ts';

const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;

/** One trie chunk: up to 32 slots (nodes at the leaves, chunks above), with its unfinished count. */
interface Chunk {
  readonly slots: readonly (Chunk | AgentNode)[];
  readonly active: number;
}

const EMPTY: Chunk = { slots: [], active: 0 };

function activeOf(node: AgentNode): number {
  return node.status === 'FINISHED' ? 0 : 1;
}

/** Agent ids in insertion order and their positions; appended in place only by its newest table. */
class Spine {
  readonly ids: string[];
  readonly pos: Map<string, number>;
  constructor(ids: string[] = [], pos: Map<string, number> = new Map()) {
    this.ids = ids;
    this.pos = pos;
  }

  /** A copy of the first `size` ids (a fork appends to its own spine). */
  prefix(size: number): Spine {
    const ids = this.ids.slice(0, size);
    return new Spine(ids, new Map(ids.map((id, i) => [id, i])));
  }
}

/**
 * A persistent ordered map from agent id to node. Immutable: `with` returns a new table sharing
 * all but the changed paths.
 */
export class NodeTable {
  private readonly spine: Spine;
  /** Number of agents. */
  readonly size: number;
  private readonly root: Chunk;
  /** Bits of position above the leaves (0: the root is a leaf). */
  private readonly shift: number;

  private constructor(spine: Spine, size: number, root: Chunk, shift: number) {
    this.spine = spine;
    this.size = size;
    this.root = root;
    this.shift = shift;
  }

  /** The table of a record (insertion order kept). O(N). */
  static fromRecord(nodes: Readonly<Record<string, AgentNode>>): NodeTable {
    const changes = new Map<string, AgentNode>();
    for (const id of Object.keys(nodes)) changes.set(id, nodes[id]!);
    return new NodeTable(new Spine(), 0, EMPTY, 0).with(changes);
  }

  /** The node of agent `id`, or undefined. O(log32 N). */
  get(id: string): AgentNode | undefined {
    const p = this.spine.pos.get(id);
    return p === undefined || p >= this.size ? undefined : this.at(p);
  }

  /** Agents that are not FINISHED, in insertion order. O(unfinished · log32 N). */
  unfinished(): AgentNode[] {
    const out: AgentNode[] = [];
    const walk = (chunk: Chunk, shift: number): void => {
      if (chunk.active === 0) return;
      for (const slot of chunk.slots) {
        if (shift === 0) {
          if ((slot as AgentNode).status !== 'FINISHED') out.push(slot as AgentNode);
        } else walk(slot as Chunk, shift - BITS);
      }
    };
    walk(this.root, this.shift);
    return out;
  }

  /** Every agent id, in insertion order. O(N). */
  ids(): string[] {
    return this.spine.ids.slice(0, this.size);
  }

  /** The record users read (`RunState.nodes`): a new frozen object, insertion order. O(N). */
  record(): Record<string, AgentNode> {
    const out: Record<string, AgentNode> = {};
    const ids = this.spine.ids;
    let i = 0;
    const walk = (chunk: Chunk, shift: number): void => {
      for (const slot of chunk.slots) {
        if (shift === 0) out[ids[i++]!] = slot as AgentNode;
        else walk(slot as Chunk, shift - BITS);
      }
    };
    walk(this.root, this.shift);
    return Object.freeze(out);
  }

  /**
   * This table with `changes` applied: an id already present gets its new node, a new id is
   * appended (in the map's order). O(k log32 N) for k changes.
   */
  with(changes: ReadonlyMap<string, AgentNode>): NodeTable {
    if (changes.size === 0) return this;
    let { spine, size, root, shift } = this;
    // Chunks made by this call are changed in place by its later changes: a step that changes
    // thousands of agents copies each chunk on their paths once, not once per agent.
    const owned = new Set<Chunk>();
    for (const [id, node] of changes) {
      const p = spine.pos.get(id);
      if (p !== undefined && p < size) {
        root = setAt(root, shift, p, node, owned);
        continue;
      }
      if (spine.ids.length !== size) spine = spine.prefix(size);
      spine.ids.push(id);
      spine.pos.set(id, size);
      if (size === WIDTH << shift) {
        // Full: a new root above the old one.
        root = { slots: [root], active: root.active };
        owned.add(root);
        shift += BITS;
      }
      root = setAt(root, shift, size, node, owned);
      size += 1;
    }
    return new NodeTable(spine, size, root, shift);
  }

  private at(p: number): AgentNode {
    let chunk = this.root;
    for (let s = this.shift; s > 0; s -= BITS) chunk = chunk.slots[(p >>> s) & MASK] as Chunk;
    return chunk.slots[p & MASK] as AgentNode;
  }
}

/** A chunk being made by one `NodeTable.with` call (see `owned` there). */
interface OpenChunk {
  slots: (Chunk | AgentNode)[];
  active: number;
}

/**
 * `chunk` with position `p` set to `node`: a path copy (missing chunks on the path are made),
 * except that chunks in `owned` (made by the same `with` call, not yet shared) are changed in place.
 */
function setAt(chunk: Chunk, shift: number, p: number, node: AgentNode, owned: Set<Chunk>): Chunk {
  const i = (p >>> shift) & MASK;
  let open: OpenChunk;
  if (owned.has(chunk)) open = chunk as OpenChunk;
  else {
    open = { slots: chunk.slots.slice(), active: chunk.active };
    owned.add(open);
  }
  if (shift === 0) {
    const old = open.slots[i] as AgentNode | undefined;
    open.active += activeOf(node) - (old ? activeOf(old) : 0);
    open.slots[i] = node;
  } else {
    const old = (open.slots[i] as Chunk | undefined) ?? EMPTY;
    const before = old.active; // read first: `old` may be changed in place
    const next = setAt(old, shift - BITS, p, node, owned);
    open.active += next.active - before;
    open.slots[i] = next;
  }
  return open;
}

/** The table of each state the reducer made (and of frozen plain states, once indexed). */
const tables = new WeakMap<object, NodeTable>();
/** Tables of frozen `nodes` records, so states sharing one record index it once. */
const recordTables = new WeakMap<object, NodeTable>();
/** The reducer's working view of a state mid-fold (its nodes as of the events applied so far). */
const views = new WeakMap<object, NodeView>();

/** How the reducer's draft answers reads of its agents (see `registerView`). */
export interface NodeView {
  /** The agent's node as of the events folded so far (never a draft). */
  get(id: string): AgentNode | undefined;
  /** Every agent id, insertion order, new agents included. */
  ids(): string[];
}

/**
 * The table of `state`'s agents: the reducer's own, or made from `state.nodes` (O(N); kept when
 * the record is frozen, rebuilt each time for a record that could still be changed).
 */
export function tableOf(state: RunState): NodeTable {
  const own = tables.get(state);
  if (own) return own;
  const record = state.nodes;
  const known = recordTables.get(record);
  if (known) return known;
  const table = NodeTable.fromRecord(record);
  if (Object.isFrozen(record)) recordTables.set(record, table);
  return table;
}

/** True when `state` was made by the reducer (its agents are in a table, `nodes` built on read). */
function hasTable(state: RunState): boolean {
  return tables.has(state);
}

/** The node of agent `id` in `state`, or undefined; O(log N) on a reducer-made state. Pure. */
export function nodeOf(state: RunState, id: string): AgentNode | undefined {
  const view = views.get(state);
  if (view) return view.get(id);
  const table = tables.get(state);
  return table ? table.get(id) : state.nodes[id];
}

/** How many agents `state` has. Pure. */
export function nodeCount(state: RunState): number {
  const table = tables.get(state);
  return table ? table.size : Object.keys(state.nodes).length;
}

/** The agents of `state` that are not FINISHED, in insertion order. Pure. */
export function unfinishedNodes(state: RunState): AgentNode[] {
  const table = tables.get(state);
  return table ? table.unfinished() : Object.values(state.nodes).filter((n) => n.status !== 'FINISHED');
}

/** Every agent of `state` (insertion order), through its table when it has one. Pure. */
export function allNodes(state: RunState): AgentNode[] {
  const view = views.get(state);
  if (view) return view.ids().map((id) => view.get(id)!);
  if (!hasTable(state)) return Object.values(state.nodes);
  const table = tables.get(state)!;
  return table.ids().map((id) => table.get(id)!);
}

/**
 * Registers the reducer's draft of a state: `nodeOf` and `allNodes` on it answer from `view`.
 * Internal to the reducer.
 */
export function registerView(draft: object, view: NodeView): void {
  views.set(draft, view);
}

/**
 * A frozen state with `fields` (in their order; `nodes` among them as a placeholder) whose agents
 * are `table`: `state.nodes` is an enumerable getter that builds the record on first read.
 * Internal to the reducer.
 */
export function stateWithTable(fields: Readonly<Record<string, unknown>>, table: NodeTable): RunState {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    if (key === 'nodes') Object.defineProperty(out, 'nodes', NODES_PROPERTY);
    else out[key] = fields[key];
  }
  tables.set(out, table);
  return Object.freeze(out) as unknown as RunState;
}

/** The records built so far, by state (a frozen state cannot hold its own cache). */
const records = new WeakMap<object, Record<string, AgentNode>>();

/**
 * The `nodes` property of every reducer-made state: one shared getter (no closure per state, so
 * V8 gives all such states one hidden class), building the record on first read.
 */
const NODES_PROPERTY: PropertyDescriptor = {
  enumerable: true,
  get(this: object): Record<string, AgentNode> {
    let record = records.get(this);
    if (!record) {
      record = tables.get(this)!.record();
      records.set(this, record);
      // A state made from this one by hand (`{ ...state, step }`) carries the same record.
      recordTables.set(record, tables.get(this)!);
    }
    return record;
  },
};
