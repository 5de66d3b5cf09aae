/**
 * The reducer: `reduce(state, event) -> state`, pure and synchronous. It is the only code that
 * makes a new run state from an old one; states are frozen, and untouched agents are shared
 * between consecutive states. The run's own fields go through one immer draft; the agents
 * through a `NodesFold` over the state's `NodeTable` (each touched agent's next node built from
 * its frozen one, or, for the rare deep edits, one immer draft of it), so a step that changes k
 * agents costs O(k log N), not a copy of the whole `nodes` record.
 */
import { createDraft, current, finishDraft, freeze, isDraft, type Draft } from 'immer';
import { nodeOf, registerView, stateWithTable, tableOf } from './node-table.ts';
import { NodesFold } from './reduce-fold.ts';
import { addUsage, zeroUsage } from './schema/usage.ts';
import { specFor } from './prompts/config.ts';
import { promptSetFor } from './prompts/versions.ts';
import type { PromptSet } from './prompts/set.ts';
import type { PromptSpec } from './schema/prompt.ts';
import type { CellOutcome, CellRan, ChildSpec, LlmReplied, RunEvent, TurnStarted } from './schema/events.ts';
import { askChild, beginTurn, parseTaskHandle, startQueued } from './session/tasks.ts';
import type { AgentError, AgentNode, Cell, ChatMessage, HostCall, Json, RunState } from './schema/state.ts';
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
  // Only the between-steps events edit inside the run's own fields (`pending`, `limits`): they go
  // through an immer draft of them. The others set top-level numbers at most (`step_ended`) and
  // delete `pending`, which a copy of the fields takes as well, without immer's proxies and
  // finalization on every step (issue 18: a tenth of a fresh process's first run).
  const deep = events.some(editsRunFields);
  const draft = (deep ? createDraft(fields) : fields) as unknown as Draft<RunState>;
  registerView(draft, { get: (id) => fold.get(id), ids: () => fold.ids() });
  for (const event of events) apply(draft, fold, event);
  const changes = fold.finish();
  // Frozen as immer's finishDraft leaves them (a state built by hand may hold unfrozen fields).
  if (!deep) for (const key of Object.keys(fields)) if (key !== 'nodes') frozen(fields[key]);
  const out = deep ? finishDraft(draft as unknown as Record<string, unknown>) : fields;
  if (changes.size === 0 && (deep ? out === fields : sameFields(fields, state))) return state;
  return stateWithTable(out, base.with(changes));
}

/** True for the events that edit inside the run's own fields (see `apply`): they need a draft of them. */
function editsRunFields(event: RunEvent): boolean {
  return event.type === 'intervened' || event.type === 'turn_started';
}

/** True when the copied `fields` still hold exactly `state`'s own fields (`nodes` aside). */
function sameFields(fields: Record<string, unknown>, state: RunState): boolean {
  const keys = Object.keys(state);
  if (Object.keys(fields).length !== keys.length) return false;
  return keys.every((key) => key === 'nodes' || fields[key] === state[key as keyof RunState]);
}

/**
 * One transition per event type. The hot ones (a model reply, a cell, an agent finishing) build
 * the agent's next node from its frozen one (`replied`, `cellRan`, `finish`): an immer draft's
 * proxies and finalization cost more than such a change (issue 18). The rare ones that edit deep
 * inside an agent (turns, asks, interventions) go through `draft.nodes`, which drafts the agent.
 */
function apply(draft: Draft<RunState>, fold: NodesFold, event: RunEvent): void {
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
    case 'llm_replied':
      replied(draft, fold, event);
      return;
    case 'llm_failed':
      checked(fold.get(event.agentId), event.agentId, ['READY'], event.type);
      finish(draft, fold, event.agentId, { error: { kind: 'llm_error', message: event.message } });
      return;
    case 'cell_ran':
      cellRan(draft, fold, event);
      return;
    case 'agent_failed': {
      const node = checked(fold.get(event.agentId), event.agentId, null, event.type);
      if (node.status !== 'FINISHED') finish(draft, fold, node.id, { error: event.error });
      return;
    }
    case 'turn_started':
      startTurn(draft, event);
      return;
    case 'intervened': {
      const node = checked(fold.get(event.agentId), event.agentId, null, event.type);
      switch (event.action) {
        case 'inject_message':
          fold.draftOf(node.id)!.messages.push(event.message);
          return;
        case 'set_result':
          if (node.status === 'FINISHED') {
            const edit = fold.draftOf(node.id)!;
            edit.result = event.result;
            edit.error = null;
            const turn = edit.turns?.[edit.turns.length - 1];
            if (turn) Object.assign(turn, { result: event.result, error: null });
          } else finish(draft, fold, node.id, { result: event.result });
          return;
        case 'cancel':
          if (node.status !== 'FINISHED') finish(draft, fold, node.id, { error: { kind: 'cancelled', message: event.message } });
          return;
        case 'set_limits':
          Object.assign(draft.limits, event.limits);
          return;
        case 'retry': {
          if (node.status !== 'FINISHED' || node.error?.kind !== 'llm_error') {
            throw new InvalidEventError(`intervened (retry): agent ${node.id} did not end on a model error (it is ${node.status}${node.error ? `, ${node.error.kind}` : ''})`);
          }
          const edit = fold.draftOf(node.id)!;
          edit.status = 'READY';
          edit.error = null;
          return;
        }
      }
    }
  }
}

/** `llm_replied`: the reply joins the conversation; its code is due to run, or the agent is told it wrote none. */
function replied(draft: Draft<RunState>, fold: NodesFold, event: LlmReplied): void {
  const node = checked(fold.node(event.agentId), event.agentId, ['READY'], event.type);
  const prompt = draft.prompt as RunState['prompt'];
  const prompts = promptSetFor(prompt);
  const { kept, code } = prompts.parse(event.text);
  const reply: ChatMessage = { role: 'assistant', content: kept };
  const iteration = node.iteration + 1;
  const usage = addUsage(node.usage, event.usage);
  if (code !== null) {
    fold.set(node.id, frozen({ ...node, messages: append(node.messages, reply), iteration, usage, status: 'EXECUTING', pendingCode: code }));
  } else if (iteration >= draft.limits.maxIterations) {
    fold.set(node.id, frozen({ ...node, messages: append(node.messages, reply), iteration, usage }));
    finish(draft, fold, node.id, { error: iterationLimit(draft) });
  } else {
    const told: ChatMessage = { role: 'user', content: prompts.noCode(specFor(prompt, node.depth)) };
    fold.set(node.id, frozen({ ...node, messages: append(node.messages, reply, told), iteration, usage }));
  }
}

/**
 * `cell_ran`: the cell (or, resumed, the rest of the suspended one) is recorded with its host
 * calls; the children it delegated are added and the tasks it asked queued; then the agent waits,
 * finishes, or is READY with the cell's feedback.
 */
function cellRan(draft: Draft<RunState>, fold: NodesFold, event: CellRan): void {
  const node = checked(fold.node(event.agentId), event.agentId, event.resumed ? ['SUPERVISING'] : ['EXECUTING'], event.type);
  let cell: Cell;
  if (event.resumed) {
    const last = node.cells[node.cells.length - 1];
    const wait = last?.calls[last.calls.length - 1];
    if (!last || last.status !== 'suspended' || !wait || wait.name !== 'wait') {
      throw new InvalidEventError(`cell_ran (resumed) for ${node.id}: its last cell is not suspended at a wait`);
    }
    const answered: HostCall = { ...wait, answer: { ok: true, value: waitResults(draft as RunState, node) } };
    cell = { ...last, calls: [...last.calls.slice(0, -1), answered, ...event.calls], output: last.output + event.output, outputChars: last.outputChars + event.outputChars };
  } else {
    cell = { index: node.cells.length, code: node.pendingCode ?? '', calls: [...event.calls], output: event.output, outputChars: event.outputChars, status: 'ok', error: null };
  }
  let usage = node.usage;
  for (const call of event.calls) if (call.usage) usage = addUsage(usage, call.usage);
  if (event.displays?.length) cell.displays = [...(cell.displays ?? []), ...event.displays];
  if (event.bound) cell.bound = mergeBound(cell.bound, event.bound);
  let children = node.children;
  if (event.delegated.length) {
    children = [...children];
    for (const spec of event.delegated) children.push(addChild(draft, fold, node, spec));
    Object.freeze(children);
  }
  for (const spec of event.asked ?? []) {
    const wrong = askChild(draft, node as Draft<AgentNode>, spec);
    if (wrong) throw new InvalidEventError(`cell_ran for ${node.id}: ${wrong}`);
  }
  const outcome = checkedWait(fold, node, children, cell, event.outcome);
  cell.status = outcome.status;
  cell.error = outcome.status === 'error' ? outcome.error : null;
  if (outcome.status === 'suspended') cell.calls.push({ name: 'wait', args: { handles: [...outcome.awaiting] }, answer: null });
  // The agent's next node, made once and finished below by assignment (its keys keep their places,
  // as a spread's overrides would): a copy per outcome cost more than the rest of the event.
  const ran: AgentNode = { ...node, cells: append(event.resumed ? node.cells.slice(0, -1) : node.cells, cell), children, usage };
  if (event.resumed) ran.awaiting = [];
  else ran.pendingCode = null;
  switch (outcome.status) {
    case 'suspended':
      ran.status = 'SUPERVISING';
      ran.awaiting = Object.freeze([...outcome.awaiting]) as string[];
      fold.set(node.id, frozen(ran));
      return;
    case 'done':
      fold.set(node.id, frozen(ran));
      finish(draft, fold, node.id, { result: outcome.result });
      return;
    default: {
      if (node.iteration >= draft.limits.maxIterations) {
        fold.set(node.id, frozen(ran));
        finish(draft, fold, node.id, { error: iterationLimit(draft) });
        return;
      }
      const stepped = ran;
      stepped.status = 'READY';
      // What the budget line counts (this cell's sub-calls included); replaced, frozen, below.
      fold.set(node.id, stepped);
      const prompt = draft.prompt as RunState['prompt'];
      const feedback = promptSetFor(prompt).cellFeedback(stepped, draft.limits, cell, outcome, specFor(prompt, node.depth), subCallBudgetLeft(draft as RunState, stepped));
      stepped.messages = append(node.messages, { role: 'user', content: feedback });
      fold.set(node.id, frozen(stepped));
    }
  }
}

/**
 * `value` and what is new in it frozen, as immer's auto-freeze leaves a state. It stops at what is
 * frozen already (an agent's lists of messages and cells are made frozen by `append`), so this
 * costs the changed fields. Plain objects and arrays are walked here (immer's walk costs
 * more); anything else (a Map in a result) is frozen by immer, as its drafts would be.
 */
function frozen<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) for (const item of value) frozen(item);
  else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return freeze(value, true);
    for (const key in value) frozen(value[key]);
  }
  return Object.freeze(value);
}

/** `list` with `items` after its own, frozen (the items too): an agent's next messages or cells, made frozen so that `frozen` of the agent does not walk its history again. */
function append<T>(list: readonly T[], ...items: T[]): T[] {
  for (const item of items) frozen(item);
  // Copied into an array of its final length: a spread grows its store as it goes and keeps the
  // slack (43 messages held 80 slots, measured on Node 22), and every state of a replay keeps its
  // agents' lists (issue 18). slice() and push() cost more still (about 5 µs against 0.6 µs at 60 items).
  const n = list.length;
  const out = new Array<T>(n + items.length);
  for (let i = 0; i < n; i++) out[i] = list[i]!;
  for (let i = 0; i < items.length; i++) out[n + i] = items[i]!;
  return Object.freeze(out) as T[];
}

/** A resumed segment's bound names update the cell's: the latest fingerprint of each name wins, first-bound order kept. */
function mergeBound(before: Cell['bound'], after: NonNullable<CellRan['bound']>): Cell['bound'] {
  const byName = new Map((before ?? []).map((b) => [b.name, b]));
  for (const b of after) byName.set(b.name, b);
  return [...byName.values()];
}

/** `node` when it exists and is in one of `statuses` (null: any). @throws InvalidEventError */
function checked(node: AgentNode | undefined, id: string, statuses: AgentNode['status'][] | null, type: string): AgentNode {
  if (!node) throw new InvalidEventError(`${type}: no agent ${JSON.stringify(id)} in the run`);
  if (statuses && !statuses.includes(node.status)) {
    throw new InvalidEventError(`${type}: agent ${id} is ${node.status}, expected ${statuses.join(' or ')}`);
  }
  return node;
}

/** The draft of agent `id` for a deep edit, checked like `checked`. @throws InvalidEventError */
function expect(draft: Draft<RunState>, id: string, statuses: AgentNode['status'][] | null, type: string): Draft<AgentNode> {
  checked(nodeOf(draft as RunState, id), id, statuses, type);
  return draft.nodes[id]!;
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
 * trace all give the same answer: the wait is recorded with an error answer (pushed on `cell`,
 * which is the cell being built), and the cell ends with a `DelegateError` the model is shown
 * (the REPL drops the suspended block when it runs the next cell).
 * @param children the agent's children, those this cell delegated included.
 */
function checkedWait(fold: NodesFold, node: AgentNode, children: readonly string[], cell: Cell, outcome: CellOutcome): CellOutcome {
  if (outcome.status !== 'suspended') return outcome;
  const mine = new Set(children); // a wide fan-out waits for thousands: not a quadratic scan
  const bad = outcome.awaiting.find((handle) => !mine.has(parseTaskHandle(handle).agentId));
  if (bad === undefined) return outcome;
  const owner = fold.get(bad);
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

/**
 * Finishes agent `id` with a result or a structured error, and ends its unfinished descendants.
 * Its node is built from its frozen one; only a persistent agent with a task queued (which then
 * starts it) takes a draft.
 */
function finish(draft: Draft<RunState>, fold: NodesFold, id: string, end: { result: unknown } | { error: AgentError }): void {
  const node = fold.node(id)!;
  const result = 'error' in end ? null : (end.result as AgentNode['result']);
  const error = 'error' in end ? end.error : null;
  let turns = node.turns;
  const t = turns ? turns.findLastIndex((turn) => turn.status !== 'queued') : -1;
  if (turns && t >= 0) {
    const turn = turns[t]!;
    turns = [...turns.slice(0, t), { ...turn, result, error, ...(turn.status !== undefined ? { status: 'finished' as const } : {}) }, ...turns.slice(t + 1)];
  }
  fold.set(id, frozen({ ...node, status: 'FINISHED', pendingCode: null, awaiting: [], result, error, ...(turns !== node.turns ? { turns } : {}) }));
  for (const childId of node.children) {
    const child = fold.get(childId);
    if (child && child.status !== 'FINISHED') {
      finish(draft, fold, childId, { error: { kind: 'parent_finished', message: `its parent ${node.id} finished first` } });
    }
  }
  // A persistent agent with another task waiting starts it (or drops it, when it was ended from outside).
  if (turns?.some((turn) => turn.status === 'queued')) startQueued(draft, fold.draftOf(id)!);
}

/** `value` itself, or for an immer draft what it holds now (its base while unchanged). */
function plain<T>(value: T): T {
  return isDraft(value) ? (current(value as Draft<T>) as T) : value;
}

/** Adds the child agent `spec` delegated by `parent`; returns its id. @throws InvalidEventError when the id is taken. */
function addChild(draft: Draft<RunState>, fold: NodesFold, parent: AgentNode, spec: ChildSpec): string {
  if (fold.get(spec.id)) throw new InvalidEventError(`cell_ran: child id ${spec.id} already exists`);
  const context = spec.context ?? parent.context;
  const depth = parent.depth + 1;
  fold.add(
    frozen(
      newAgent({
        id: spec.id,
        name: spec.name,
        parentId: parent.id,
        depth,
        query: spec.query,
        context: context as AgentNode['context'],
        // The values themselves, not immer's drafts of them (the same objects fold after fold while
        // unchanged, so the system prompt of a fan-out's siblings is made once: see systemPrompt).
        limits: plain(draft.limits) as RunState['limits'],
        tools: plain(draft.tools) as RunState['tools'],
        ...(draft.prompt ? { prompt: plain(draft.prompt) as RunState['prompt'] } : {}),
        ...(spec.instructions ? { instructions: spec.instructions } : {}),
      }),
    ),
  );
  return spec.id;
}

/** What the last system prompt was made from (compared by identity) and the prompt. */
let lastSystem: { key: readonly unknown[]; prompt: string } | undefined;

/**
 * The system prompt of a new agent. Delegated siblings almost always share every input (depth,
 * limits, context or a str context's length, tools, prompt config), and building the prompt costs more than the rest of
 * the agent (issue 18: 5,000 children each built and kept their own copy of the same string), so
 * the last one is kept and given again when every input is the same object (the prompt set and
 * spec follow from the prompt config and depth). Pure: the prompt is a function of those inputs,
 * and only frozen ones (state values are) or primitives count as the same.
 */
function systemPrompt(prompts: PromptSet, spec: PromptSpec, a: Parameters<typeof newAgent>[0]): string {
  // A str context enters every prompt set's system prompt by its length only (`PromptSet.system`),
  // so siblings with contexts of one length (a fan-out's equal chunks) share the prompt too.
  const context = typeof a.context === 'string' ? a.context.length : a.context;
  const key = [a.prompt, a.depth, a.limits, context, a.contextPaths, a.tools, a.resultSchema, a.session];
  if (lastSystem && lastSystem.key.length === key.length && key.every((k, i) => k === lastSystem!.key[i]) && key.every(isStable)) return lastSystem.prompt;
  const prompt = prompts.system({ depth: a.depth, limits: a.limits, context: a.context, ...(a.contextPaths ? { contextPaths: a.contextPaths } : {}), tools: a.tools, ...(a.resultSchema !== undefined ? { resultSchema: a.resultSchema } : {}), ...(a.session ? { session: true } : {}) }, spec);
  lastSystem = { key, prompt };
  return prompt;
}

/** A memo key part that cannot change under the same identity: a primitive, or a frozen object (state values are deep-frozen). */
function isStable(k: unknown): boolean {
  return typeof k !== 'object' || k === null || Object.isFrozen(k);
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
  const system = systemPrompt(prompts, spec, a);
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
      { role: 'system', content: withInstructions(system, a.instructions) },
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
