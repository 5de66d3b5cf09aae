/**
 * One fold of the reducer over a state's agents without copying the `nodes` record (issue 18):
 * each agent an event touches gets its own immer draft, agents delegated during the fold are
 * plain new objects, and the result is the base `NodeTable` with just those changed, so a step
 * costs what it touches. The fold's `nodes` view is what the reducer's `draft.nodes` is.
 */
import { createDraft, current, finishDraft, freeze, isDraft, type Draft } from 'immer';
import type { AgentNode } from './schema/state.ts';
import type { NodeTable } from './node-table.ts';

/**
 * The target of the `nodes` view: a class instance, so immer never drafts the view when the
 * reducer reads it off the state's draft (immer drafts plain objects and arrays only).
 */
class NodesView {}

/** The agents of a state while the reducer folds events into it. */
export class NodesFold {
  private readonly drafts = new Map<string, Draft<AgentNode>>();
  private readonly added = new Map<string, AgentNode>();
  /** Agents replaced whole by the reducer's fast path (frozen nodes, not drafts). */
  private readonly replaced = new Map<string, AgentNode>();
  /** `draft.nodes` for the reducer: reading an id drafts that agent, assigning one adds an agent. */
  readonly view: Record<string, Draft<AgentNode>>;

  private readonly base: NodeTable;

  /** @param base the agents before the fold. */
  constructor(base: NodeTable) {
    this.base = base;
    this.view = new Proxy(new NodesView() as Record<string, Draft<AgentNode>>, {
      get: (_, id) => (typeof id === 'string' ? this.draftOf(id) : undefined),
      set: (_, id, value) => {
        if (typeof id !== 'string' || this.peek(id) !== undefined) return false;
        this.added.set(id, value as AgentNode);
        return true;
      },
      has: (_, id) => typeof id === 'string' && this.peek(id) !== undefined,
      deleteProperty: () => false,
    });
  }

  /** The mutable node of `id` (an immer draft; a new agent's own object), or undefined. */
  draftOf(id: string): Draft<AgentNode> | undefined {
    const added = this.added.get(id);
    if (added) return added as Draft<AgentNode>;
    let draft = this.drafts.get(id);
    if (draft) return draft;
    const node = this.replaced.get(id) ?? this.base.get(id);
    if (!node) return undefined;
    this.replaced.delete(id); // the draft takes over from the replaced node
    draft = createDraft(node);
    this.drafts.set(id, draft);
    return draft;
  }

  /** The node of `id` as of the events folded so far, never a draft (for reads across agents). */
  peek(id: string): AgentNode | undefined {
    const added = this.added.get(id);
    if (added) return added;
    const draft = this.drafts.get(id);
    return draft ? (current(draft) as AgentNode) : (this.replaced.get(id) ?? this.base.get(id));
  }

  /**
   * The node of `id` when the fold holds it as a plain frozen node (untouched, or replaced by the
   * fast path), so it can be replaced again; undefined when it is drafted, new, or unknown.
   */
  settled(id: string): AgentNode | undefined {
    if (this.drafts.has(id) || this.added.has(id)) return undefined;
    return this.replaced.get(id) ?? this.base.get(id);
  }

  /** Puts `node` (frozen, an existing agent's next node) in the fold in place of agent `id`'s. */
  replace(id: string, node: AgentNode): void {
    this.replaced.set(id, node);
  }

  /** Every agent id, insertion order, agents added by the fold last. */
  ids(): string[] {
    return [...this.base.ids(), ...this.added.keys()];
  }

  /**
   * Ends the fold: the changed agents (frozen), existing ones first, then new ones in the order
   * they were added (the order a record gets them in). Empty when nothing changed.
   */
  finish(): Map<string, AgentNode> {
    // A field of a new agent read off another agent's draft (a parent's list context) is made
    // plain first: that draft is revoked once its own agent's draft is finished below.
    for (const node of this.added.values()) {
      const fields = node as unknown as Record<string, unknown>;
      for (const key of Object.keys(fields)) if (isDraft(fields[key])) fields[key] = current(fields[key]);
    }
    const changes = new Map<string, AgentNode>(this.replaced);
    for (const [id, draft] of this.drafts) {
      const node = finishDraft(draft) as AgentNode;
      if (node !== this.base.get(id)) changes.set(id, node);
    }
    for (const [id, node] of this.added) changes.set(id, freeze(node, true));
    return changes;
  }
}
