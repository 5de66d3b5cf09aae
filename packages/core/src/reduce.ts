/**
 * The reducer: `reduce(state, event) -> state`, pure and synchronous. It is the only code that
 * makes a new run state from an old one; states are frozen, and untouched agents are shared
 * between consecutive states. The run's own fields go through one immer draft; the agents
 * through a `NodesFold` (one draft per agent touched) over the state's `NodeTable`, so a step
 * that changes k agents costs O(k log N), not a copy of the whole `nodes` record.
 */
import { createDraft, finishDraft, freeze, type Draft } from 'immer';
import { registerView, stateWithTable, tableOf } from './node-table.ts';
import { NodesFold } from './reduce-fold.ts';
import { addUsage, zeroUsage } from './schema/usage.ts';
import { specFor } from './prompts/config.ts';
import { promptSetFor } from './prompts/versions.ts';
import type { CellOutcome, CellRan, ChildSpec, RunEvent, TurnStarted } from './schema/events.ts';
import { askChild, beginTurn, parseTaskHandle, startQueued } from './session/tasks.ts';
import type { AgentError, AgentNode, Cell, HostCall, Json, RunState } from './schema/state.ts';
import { waitResults } from './wait.ts';
import { subCallBudgetLeft } from './summary.ts';

/** An event that does not fit the state it is applied to (wrong agent, wrong status). */
export class InvalidEventError extends Error {
  /** @param message names the event type, the agent and what did not fit. */
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/**
 * Applies one event. Pure: `state` is never changed; the result is frozen.
 * @throws InvalidEventError when the event names an unknown agent or one in the wrong status.
 */
export function reduce(state: RunState, event: RunEvent): RunState {
  return reduceAll(state, [event]);
}

/**
 * Applies events in order. Pure; returns `state` itself when nothing changed. Cost: the agents the
 * events touch (each O(log N) to find and replace), not the tree's size.
 * @throws InvalidEventError like `reduce`.
 */
export function reduceAll(state: RunState, events: readonly RunEvent[]): RunState {
  const base = tableOf(state);
  const fold = new NodesFold(base);
  // The run's fields, in the state's key order (read without touching the `nodes` getter), with
  // the fold's view standing where `nodes` is.
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(state)) fields[key] = key === 'nodes' ? fold.view : state[key as keyof RunState];
  const draft = createDraft(fields) as unknown as Draft<RunState>;
  registerView(draft, { get: (id) => fold.peek(id), ids: () => fold.ids() });
  for (const event of events) if (!fastApply(draft, fold, event)) apply(draft, event);
  const changes = fold.finish();
  const out = finishDraft(draft as unknown as Record<string, unknown>);
  if (out === fields && changes.size === 0) return state;
  return stateWithTable(out, base.with(changes));
}

function apply(draft: Draft<RunState>, event: RunEvent): void {
  // Between-steps events stay in the state until the next step records them (state.pending).
  if (event.type === 'intervened' || event.type === 'turn_started') {
    (draft.pending ??= []).push(event as Draft<NonNullable<RunState['pending']>[number]>);
  }
  switch (event.type) {
    case 'step_ended':
      draft.step += 1;
      draft.elapsedMs += event.durationMs;
      delete draft.pending; // recorded with this step: no longer pending
      return;
    case 'llm_replied': {
      const node = expect(draft, event.agentId, ['READY'], event.type);
      const prompts = promptSetFor(draft.prompt);
      const { kept, code } = prompts.parse(event.text);
      node.messages.push({ role: 'assistant', content: kept });
      node.iteration += 1;
      node.usage = addUsage(node.usage, event.usage);
      if (code !== null) {
        node.status = 'EXECUTING';
        node.pendingCode = code;
      } else if (node.iteration >= draft.limits.maxIterations) {
        finish(draft, node, { error: iterationLimit(draft) });
      } else {
        node.messages.push({ role: 'user', content: prompts.noCode(specFor(draft.prompt, node.depth)) });
      }
      return;
    }
    case 'llm_failed': {
      const node = expect(draft, event.agentId, ['READY'], event.type);
      finish(draft, node, { error: { kind: 'llm_error', message: event.message } });
      return;
    }
    case 'cell_ran': {
      const node = expect(draft, event.agentId, event.resumed ? ['SUPERVISING'] : ['EXECUTING'], event.type);
      let cell: Draft<Cell>;
      if (event.resumed) {
        cell = node.cells[node.cells.length - 1]!;
        const wait = cell.calls[cell.calls.length - 1];
        if (cell.status !== 'suspended' || !wait || wait.name !== 'wait') {
          throw new InvalidEventError(`cell_ran (resumed) for ${node.id}: its last cell is not suspended at a wait`);
        }
        wait.answer = { ok: true, value: waitResults(draft as RunState, node as AgentNode) };
        cell.output += event.output;
        cell.outputChars += event.outputChars;
        node.awaiting = [];
      } else {
        cell = { index: node.cells.length, code: node.pendingCode ?? '', calls: [], output: event.output, outputChars: event.outputChars, status: 'ok', error: null };
        node.cells.push(cell);
        node.pendingCode = null;
      }
      for (const call of event.calls) {
        cell.calls.push(call as Draft<HostCall>);
        if (call.usage) node.usage = addUsage(node.usage, call.usage);
      }
      if (event.displays?.length) cell.displays = [...(cell.displays ?? []), ...event.displays];
      if (event.bound) cell.bound = mergeBound(cell.bound, event.bound);
      for (const spec of event.delegated) addChild(draft, node, spec);
      for (const spec of event.asked ?? []) {
        const wrong = askChild(draft, node, spec);
        if (wrong) throw new InvalidEventError(`cell_ran for ${node.id}: ${wrong}`);
      }
      const outcome = checkedWait(draft, node, cell, event.outcome);
      cell.status = outcome.status;
      cell.error = outcome.status === 'error' ? outcome.error : null;
      afterCell(draft, node, cell, outcome);
      return;
    }
    case 'agent_failed': {
      const node = expect(draft, event.agentId, null, event.type);
      if (node.status !== 'FINISHED') finish(draft, node, { error: event.error });
      return;
    }
    case 'turn_started':
      startTurn(draft, event);
      return;
    case 'intervened': {
      const node = expect(draft, event.agentId, null, event.type);
      switch (event.action) {
        case 'inject_message':
          node.messages.push(event.message);
          return;
        case 'set_result':
          if (node.status === 'FINISHED') {
            node.result = event.result;
            node.error = null;
            const turn = node.turns?.[node.turns.length - 1];
            if (turn) Object.assign(turn, { result: event.result, error: null });
          } else finish(draft, node, { result: event.result });
          return;
        case 'cancel':
          if (node.status !== 'FINISHED') finish(draft, node, { error: { kind: 'cancelled', message: event.message } });
          return;
        case 'set_limits':
          Object.assign(draft.limits, event.limits);
          return;
        case 'retry':
          if (node.status !== 'FINISHED' || node.error?.kind !== 'llm_error') {
            throw new InvalidEventError(`intervened (retry): agent ${node.id} did not end on a model error (it is ${node.status}${node.error ? `, ${node.error.kind}` : ''})`);
          }
          node.status = 'READY';
          node.error = null;
          return;
      }
    }
  }
}

/**
 * The two events of nearly every agent transition, applied without an immer draft (issue 18: the
 * draft's proxies, finalization and freezing walk cost more than the change itself): a model reply
 * to a READY agent, and a plain cell (not resumed, delegating or asking nothing, not suspended)
 * that leaves its agent READY or finishes a leaf agent. The agent's next node is built by hand,
 * with the same fields in the same order and the same shared objects immer would give (the
 * replay fixtures of tests/reducer-states.test.ts check the bytes). Anything else (and any agent
 * already drafted in this fold) returns false and goes through `apply`.
 */
function fastApply(draft: Draft<RunState>, fold: NodesFold, event: RunEvent): boolean {
  if (event.type !== 'llm_replied' && event.type !== 'cell_ran') return false;
  const node = fold.settled(event.agentId);
  if (!node) return false;
  const limits = draft.limits as RunState['limits'];
  const prompt = draft.prompt as RunState['prompt'];
  if (event.type === 'llm_replied') {
    if (node.status !== 'READY') return false;
    const prompts = promptSetFor(prompt);
    const { kept, code } = prompts.parse(event.text);
    const iteration = node.iteration + 1;
    if (code === null && iteration >= limits.maxIterations) return false; // ends the agent: finish()
    const messages = [...node.messages, { role: 'assistant' as const, content: kept }];
    if (code === null) messages.push({ role: 'user', content: prompts.noCode(specFor(prompt, node.depth)) });
    const next: AgentNode = { ...node, messages, iteration, usage: addUsage(node.usage, event.usage), ...(code !== null ? { status: 'EXECUTING' as const, pendingCode: code } : {}) };
    fold.replace(node.id, frozen(next, node));
    return true;
  }
  const { outcome } = event;
  if (event.resumed || node.status !== 'EXECUTING' || event.delegated.length > 0 || event.asked?.length || outcome.status === 'suspended') return false;
  const done = outcome.status === 'done';
  // finish() has more to do for an agent with turns or unfinished children.
  if (done && (node.turns !== undefined || node.children.some((id) => fold.peek(id)?.status !== 'FINISHED'))) return false;
  if (!done && node.iteration >= limits.maxIterations) return false;
  let usage = node.usage;
  for (const call of event.calls) if (call.usage) usage = addUsage(usage, call.usage);
  const cell: Cell = {
    index: node.cells.length,
    code: node.pendingCode ?? '',
    calls: [...event.calls],
    output: event.output,
    outputChars: event.outputChars,
    status: outcome.status,
    error: outcome.status === 'error' ? outcome.error : null,
    ...(event.displays?.length ? { displays: [...event.displays] } : {}),
    ...(event.bound ? { bound: mergeBound(undefined, event.bound) as Cell['bound'] } : {}),
  };
  const ran = { ...node, pendingCode: null, cells: [...node.cells, cell], usage };
  let next: AgentNode;
  if (done) next = { ...ran, status: 'FINISHED', awaiting: [], result: outcome.result as AgentNode['result'], error: null };
  else {
    const stepped: AgentNode = { ...ran, status: 'READY' };
    fold.replace(node.id, stepped); // what the budget line counts, as the draft path would see it
    const feedback = promptSetFor(prompt).cellFeedback(stepped, limits, cell, outcome, specFor(prompt, node.depth), subCallBudgetLeft(draft as RunState, stepped));
    next = { ...stepped, messages: [...node.messages, { role: 'user', content: feedback }] };
  }
  fold.replace(node.id, frozen(next, node));
  return true;
}

/**
 * `next` frozen as immer's auto-freeze would leave it, visiting only what is new: the fields that
 * differ from `before` (new arrays of messages or cells hold `before`'s frozen items and one or two
 * new ones at the end, so only those are walked). Cost: the change, not the agent's history.
 */
function frozen(next: AgentNode, before: AgentNode): AgentNode {
  const fields = next as unknown as Record<string, unknown>;
  const old = before as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === old[key] || typeof value !== 'object' || value === null || Object.isFrozen(value)) continue;
    if (Array.isArray(value) && Array.isArray(old[key])) {
      for (let i = (old[key] as unknown[]).length; i < value.length; i++) freeze(value[i], true);
      Object.freeze(value);
    } else freeze(value, true);
  }
  return Object.freeze(next);
}

/** A resumed segment's bound names update the cell's: the latest fingerprint of each name wins, first-bound order kept. */
function mergeBound(before: Draft<Cell>['bound'], after: NonNullable<CellRan['bound']>): Draft<Cell>['bound'] {
  const byName = new Map((before ?? []).map((b) => [b.name, b]));
  for (const b of after) byName.set(b.name, b);
  return [...byName.values()];
}

function expect(draft: Draft<RunState>, id: string, statuses: AgentNode['status'][] | null, type: string): Draft<AgentNode> {
  const node = draft.nodes[id];
  if (!node) throw new InvalidEventError(`${type}: no agent ${JSON.stringify(id)} in the run`);
  if (statuses && !statuses.includes(node.status)) {
    throw new InvalidEventError(`${type}: agent ${id} is ${node.status}, expected ${statuses.join(' or ')}`);
  }
  return node;
}

function iterationLimit(draft: Draft<RunState>): AgentError {
  return {
    kind: 'iteration_limit',
    message: `reached the limit of ${draft.limits.maxIterations} model replies without calling done()`,
  };
}

/**
 * A cell may only wait for children of its own agent. Agent code can forge a handle (or reach
 * the prelude's internals) and suspend on anything: itself, an ancestor, another agent's child,
 * an id that does not exist, which would leave the run with no agent able to advance. Such a
 * wait is refused here, in the pure reducer, so a live run, a replay and a resume of an old
 * trace all give the same answer: the wait is recorded with an error answer, and the cell ends
 * with a `DelegateError` the model is shown (the REPL drops the suspended block when it runs
 * the next cell).
 */
function checkedWait(draft: Draft<RunState>, node: Draft<AgentNode>, cell: Draft<Cell>, outcome: CellOutcome): CellOutcome {
  if (outcome.status !== 'suspended') return outcome;
  const children = new Set(node.children); // a wide fan-out waits for thousands: not a quadratic scan
  const bad = outcome.awaiting.find((handle) => !children.has(parseTaskHandle(handle).agentId));
  if (bad === undefined) return outcome;
  const owner = draft.nodes[bad];
  const why =
    bad === node.id
      ? `${JSON.stringify(bad)} is this agent itself`
      : owner
        ? `${JSON.stringify(bad)} is not a child of agent ${node.id}${owner.parentId ? ` (it is agent ${owner.parentId}'s)` : ' (it is the root)'}`
        : `no agent ${JSON.stringify(bad)} was delegated by agent ${node.id}`;
  const message = `wait(): ${why}; wait takes the handles this agent's delegate() returned`;
  cell.calls.push({ name: 'wait', args: { handles: [...outcome.awaiting] }, answer: { ok: false, error: message } });
  return { status: 'error', error: { type: 'DelegateError', message, traceback: `DelegateError: ${message}` } };
}

function afterCell(draft: Draft<RunState>, node: Draft<AgentNode>, cell: Draft<Cell>, outcome: CellOutcome): void {
  switch (outcome.status) {
    case 'suspended':
      node.status = 'SUPERVISING';
      node.awaiting = [...outcome.awaiting];
      cell.calls.push({ name: 'wait', args: { handles: [...outcome.awaiting] }, answer: null });
      return;
    case 'done':
      finish(draft, node, { result: outcome.result });
      return;
    default:
      if (node.iteration >= draft.limits.maxIterations) {
        finish(draft, node, { error: iterationLimit(draft) });
        return;
      }
      node.status = 'READY';
      node.messages.push({ role: 'user', content: promptSetFor(draft.prompt).cellFeedback(node, draft.limits, cell, outcome, specFor(draft.prompt, node.depth), subCallBudgetLeft(draft as RunState, node as AgentNode)) });
  }
}

/**
 * A new turn: the finished agent of a session takes another query with the same REPL and
 * conversation. Its iteration count starts again (the limit is per turn).
 */
function startTurn(draft: Draft<RunState>, event: TurnStarted): void {
  const node = expect(draft, event.agentId, ['FINISHED'], event.type);
  if (!node.turns?.length) throw new InvalidEventError(`turn_started: agent ${node.id} does not take turns (the run is not a session)`);
  const previous = node.turns[node.turns.length - 1]!;
  node.turns.push({
    index: node.turns.length,
    query: event.query,
    context: (event.context ?? previous.context) as Draft<AgentNode>['context'],
    messageStart: node.messages.length,
    cellStart: node.cells.length,
    startStep: draft.step,
    result: null,
    error: null,
    ...(event.resultSchema !== undefined ? { resultSchema: event.resultSchema as Draft<Json> } : {}),
    ...(previous.status !== undefined ? { status: 'queued' as const } : {}),
  });
  beginTurn(draft, node, node.turns[node.turns.length - 1]!, event.context === null);
}

/** Finishes an agent with a result or a structured error, and ends its unfinished descendants. */
function finish(draft: Draft<RunState>, node: Draft<AgentNode>, end: { result: unknown } | { error: AgentError }): void {
  node.status = 'FINISHED';
  node.pendingCode = null;
  node.awaiting = [];
  if ('error' in end) {
    node.error = end.error;
    node.result = null;
  } else {
    node.result = end.result as Draft<AgentNode>['result'];
    node.error = null;
  }
  const turn = node.turns?.findLast((t) => t.status !== 'queued');
  if (turn) {
    turn.result = node.result;
    turn.error = node.error;
    if (turn.status !== undefined) turn.status = 'finished';
  }
  for (const childId of node.children) {
    const child = draft.nodes[childId];
    if (child && child.status !== 'FINISHED') {
      finish(draft, child, { error: { kind: 'parent_finished', message: `its parent ${node.id} finished first` } });
    }
  }
  // A persistent agent with another task waiting starts it (or drops it, when it was ended from outside).
  startQueued(draft, node);
}

function addChild(draft: Draft<RunState>, parent: Draft<AgentNode>, spec: ChildSpec): void {
  if (draft.nodes[spec.id]) throw new InvalidEventError(`cell_ran: child id ${spec.id} already exists`);
  const context = spec.context ?? parent.context;
  const depth = parent.depth + 1;
  draft.nodes[spec.id] = newAgent({
    id: spec.id,
    name: spec.name,
    parentId: parent.id,
    depth,
    query: spec.query,
    context: context as AgentNode['context'],
    limits: draft.limits,
    tools: draft.tools,
    ...(draft.prompt ? { prompt: draft.prompt as RunState['prompt'] } : {}),
    ...(spec.instructions ? { instructions: spec.instructions } : {}),
  }) as Draft<AgentNode>;
  parent.children.push(spec.id);
}

/** The system prompt with the parent's note for this child, when it gave one. */
function withInstructions(prompt: string, instructions: string | undefined): string {
  return instructions ? `${prompt}\n\nInstructions from the agent that delegated to you:\n${instructions}` : prompt;
}

/**
 * A fresh READY agent with its system prompt and query message, worded by the run's prompt
 * config (absent: prompt version 1, as states made before prompts were versioned). Pure.
 * @throws PromptVersionError when this rlmtree does not have the config's version.
 * @throws PromptConfigError when a custom template names an unknown slot.
 */
export function newAgent(a: {
  id: string;
  name: string;
  parentId: string | null;
  depth: number;
  query: string;
  context: AgentNode['context'];
  limits: RunState['limits'];
  tools: RunState['tools'];
  /** The run's result schema (JSON Schema), told to the root only. */
  resultSchema?: RunState['resultSchema'];
  /** The agent takes several turns: its system prompt says so. */
  session?: boolean;
  /** The run's prompt config (`RunState.prompt`). */
  prompt?: RunState['prompt'];
  /** Relative paths of a folder context's documents, parallel to `context`. */
  contextPaths?: string[];
  /** A note from the parent, added to the system prompt (`delegate(..., instructions=...)`). */
  instructions?: string;
}): AgentNode {
  const prompts = promptSetFor(a.prompt);
  const spec = specFor(a.prompt, a.depth);
  return {
    id: a.id,
    name: a.name,
    parentId: a.parentId,
    depth: a.depth,
    query: a.query,
    context: a.context,
    ...(a.contextPaths ? { contextPaths: a.contextPaths } : {}),
    status: 'READY',
    iteration: 0,
    messages: [
      { role: 'system', content: withInstructions(prompts.system({ depth: a.depth, limits: a.limits, context: a.context, ...(a.contextPaths ? { contextPaths: a.contextPaths } : {}), tools: a.tools, ...(a.resultSchema !== undefined ? { resultSchema: a.resultSchema } : {}), ...(a.session ? { session: true } : {}) }, spec), a.instructions) },
      { role: 'user', content: prompts.query(a.query, a.context, spec) },
    ],
    pendingCode: null,
    cells: [],
    children: [],
    awaiting: [],
    result: null,
    error: null,
    usage: zeroUsage(),
  };
}
