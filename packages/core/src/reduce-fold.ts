/**
 * One fold of the reducer over a state's agents without copying the `nodes` record (issue 18).
 * The transitions of nearly every step (a model reply, a cell, an agent finishing, a child
 * delegated) build each touched agent's next node by hand and `set` it; the rarer ones that edit
 * deep inside an agent (a new turn, an ask, an intervention) take an immer draft of it. The
 * result is the base `NodeTable` with just the changed agents, so a step costs what it touches.
 * The fold's `nodes` view is what the reducer's `draft.nodes` is.
 */
import { createDraft, current, finishDraft, type Draft } from 'immer';
import type { AgentNode } from './schema/state.ts';
import type { NodeTable } from './node-table.ts';

/**
 * The target of the `nodes` view: a class instance, so immer never drafts the view when the
 * reducer reads it off the state's draft (immer drafts plain objects and arrays only).
 */
class NodesView {}

/** The agents of a state while the reducer folds events into it. */
export class NodesFold {
  /** Next nodes (frozen) of agents changed or added so far, new agents in the order they were added. */
  private readonly next = new Map<string, AgentNode>();
  /** Agents added by this fold, in order. */
  private readonly added = new Set<string>();
  /** Immer drafts of agents a deep edit is under way on (their node in `next` or `base` is the draft's base). */
  private readonly drafts = new Map<string, Draft<AgentNode>>();
  /** `draft.nodes` for the reducer's deep edits: reading an id drafts that agent. */
  readonly view: Record<string, Draft<AgentNode>>;

  private readonly base: NodeTable;

  /** @param base the agents before the fold. */
  constructor(base: NodeTable) {
    this.base = base;
    this.view = new Proxy(new NodesView() as Record<string, Draft<AgentNode>>, {
      get: (_, id) => (typeof id === 'string' ? this.draftOf(id) : undefined),
      set: () => false, // agents are added with `add`
      has: (_, id) => typeof id === 'string' && this.get(id) !== undefined,
      deleteProperty: () => false,
    });
  }

  /** The node of `id` as of the events folded so far, never a draft (for reads across agents). */
  get(id: string): AgentNode | undefined {
    const draft = this.drafts.get(id);
    if (draft) return current(draft) as AgentNode;
    return this.next.get(id) ?? this.base.get(id);
  }

  /**
   * The frozen node of `id` as of the events folded so far, to build its next node from: a deep
   * edit under way on it is finished first (its draft is revoked: whoever held it must not use it).
   */
  node(id: string): AgentNode | undefined {
    const draft = this.drafts.get(id);
    if (draft) {
      this.drafts.delete(id);
      this.next.set(id, finishDraft(draft) as AgentNode);
    }
    return this.next.get(id) ?? this.base.get(id);
  }

  /** Puts `node` (frozen) in the fold as agent `id`'s next node. Call `node(id)` first. */
  set(id: string, node: AgentNode): void {
    if (this.drafts.has(id)) throw new Error(`reducer: agent ${id} is set while a draft of it is open`);
    this.next.set(id, node);
  }

  /** Adds a new agent (frozen) after every agent there is. */
  add(node: AgentNode): void {
    this.next.set(node.id, node);
    this.added.add(node.id);
  }

  /** The mutable node of `id` (an immer draft, finished with the fold or by `node(id)`), or undefined. */
  draftOf(id: string): Draft<AgentNode> | undefined {
    let draft = this.drafts.get(id);
    if (draft) return draft;
    const node = this.next.get(id) ?? this.base.get(id);
    if (!node) return undefined;
    draft = createDraft(node);
    this.drafts.set(id, draft);
    return draft;
  }

  /** Every agent id, insertion order, agents added by the fold last. */
  ids(): string[] {
    return [...this.base.ids(), ...this.added];
  }

  /**
   * Ends the fold: the changed agents (frozen), in the order `NodeTable.with` takes them (new ones
   * in the order they were added, which is the order a record gets them in). Empty when nothing changed.
   * The fold's own map, with the agents that ended as they began taken out (not a new map per step:
   * growing one to a step's changes was a twentieth of a replay's allocation); the fold is done after.
   */
  finish(): Map<string, AgentNode> {
    for (const [id, draft] of this.drafts) this.next.set(id, finishDraft(draft) as AgentNode);
    this.drafts.clear();
    for (const [id, node] of this.next) if (!this.added.has(id) && node === this.base.get(id)) this.next.delete(id);
    return this.next;
  }
}
