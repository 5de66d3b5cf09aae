/**
 * The control API: pure helpers that return a changed run state, for people and scripts working
 * between steps. Each change is an `intervened` event folded by `reduce`, so a trace records it
 * (a `TraceWriter` writes the interventions made on a state before the step taken from it) and
 * replay reproduces it. None mutates its input: the old state stays valid and can still be
 * stepped (that forks the run).
 */
import { reduce } from './reduce.ts';
import type { Intervened, TurnStarted } from './schema/events.ts';
import { LimitsSchema, type ChatMessage, type Json, type Limits, type RunState } from './schema/state.ts';

/** An event folded between steps: an intervention, or a new turn of a session. */
export type BetweenStepsEvent = Intervened | TurnStarted;

/** The interventions (and new turns) made since the last step. */
export interface PendingInterventions {
  /** The interventions and turns, in order. */
  events: BetweenStepsEvent[];
}

/**
 * The interventions (and new turns) folded into `state` since its last step, if any. They live
 * in the state itself (`state.pending`), so a checkpoint or state file round trip keeps them and
 * the trace of the next step records them.
 */
export function pendingInterventions(state: RunState): PendingInterventions | undefined {
  return state.pending?.length ? { events: state.pending as BetweenStepsEvent[] } : undefined;
}

/** An error about a control call: names the helper, the agent and the reason. */
export class ControlError extends Error {
  /** @param message one line naming what and where. */
  constructor(message: string) {
    super(message);
    this.name = 'ControlError';
  }
}

/**
 * Applies one intervention event (or a `turn_started`); the new state carries it in
 * `state.pending` until the next step, whose trace line records it. Pure.
 * @throws ControlError when the agent does not exist.
 */
export function intervene(state: RunState, event: BetweenStepsEvent): RunState {
  if (!state.nodes[event.agentId]) {
    throw new ControlError(`${event.type === 'turn_started' ? event.type : event.action}: no agent ${JSON.stringify(event.agentId)} in run ${state.runId} (agents: ${Object.keys(state.nodes).slice(0, 8).join(', ')})`);
  }
  return reduce(state, event);
}

/**
 * Adds a message to an agent's conversation; the agent's next model call sees it (a `user`
 * message by default).
 * @throws ControlError for an unknown agent.
 */
export function injectMessage(state: RunState, agentId: string, content: string, role: ChatMessage['role'] = 'user'): RunState {
  return intervene(state, { type: 'intervened', action: 'inject_message', agentId, message: { role, content } });
}

/**
 * Finishes an agent with `result` (or replaces the result of a finished one); its parent's
 * `wait` receives it. Unfinished descendants end with `parent_finished`.
 * @throws ControlError for an unknown agent.
 */
export function setResult(state: RunState, agentId: string, result: Json): RunState {
  return intervene(state, { type: 'intervened', action: 'set_result', agentId, result });
}

/**
 * Cancels an unfinished agent: it finishes with error kind `cancelled`, which its parent's `wait`
 * receives as a structured failure (an `AgentFailure` in Python), never as an answer.
 * A finished agent is left as it is.
 * @throws ControlError for an unknown agent.
 */
export function cancelAgent(state: RunState, agentId: string, message = 'cancelled by the user'): RunState {
  return intervene(state, { type: 'intervened', action: 'cancel', agentId, message });
}

/**
 * Makes an agent that ended on a model error (`llm_error`: the provider failed after its
 * retries) READY again, so the next step calls its model again with the same conversation; its
 * REPL and cells are kept. Children it had delegated that ended with it (`parent_finished`) stay
 * ended.
 * @throws ControlError for an unknown agent or one that did not end on a model error.
 */
export function retryAgent(state: RunState, agentId: string): RunState {
  const node = state.nodes[agentId];
  if (node && (node.status !== 'FINISHED' || node.error?.kind !== 'llm_error')) {
    throw new ControlError(`retry: agent ${agentId} did not end on a model error (it is ${node.status}${node.error ? `, ${node.error.kind}: ${node.error.message}` : ''})`);
  }
  return intervene(state, { type: 'intervened', action: 'retry', agentId });
}

/**
 * The agents `rlmtree resume --retry-failed` retries: those that ended on a model error and whose
 * result is still awaited (the root, or a child its parent is still waiting for). Pure.
 */
export function failedOnModel(state: RunState): string[] {
  return Object.values(state.nodes)
    .filter((n) => n.status === 'FINISHED' && n.error?.kind === 'llm_error')
    .filter((n) => n.id === state.rootId || (n.parentId !== null && state.nodes[n.parentId]?.status === 'SUPERVISING' && state.nodes[n.parentId]!.awaiting.includes(n.id)))
    .map((n) => n.id)
    .sort();
}

/**
 * Changes limits of the run (they apply to every agent from the next step).
 * @throws ControlError naming the limit when a value is out of range.
 */
export function setLimits(state: RunState, limits: Partial<Limits>): RunState {
  const parsed = LimitsSchema.partial().strict().safeParse(limits);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ControlError(`setLimits: ${issue.path.join('.') || 'limits'}: ${issue.message}`);
  }
  return intervene(state, { type: 'intervened', action: 'set_limits', agentId: state.rootId, limits: parsed.data });
}

/**
 * The state at step `k` of a run's states (`states[i].step` need not start at 0). Stepping it
 * again forks the run; `states` itself is untouched.
 * @throws RangeError when no state has step `k`.
 */
export function rewind(states: readonly RunState[], k: number): RunState {
  const first = states[0]?.step ?? 0;
  const state = states[k - first];
  if (!state || state.step !== k) throw new RangeError(`rewind: no state at step ${k} (states hold steps ${first}..${first + states.length - 1})`);
  return state;
}
