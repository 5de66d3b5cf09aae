/**
 * The effectful shell around the pure core: `Engine.step(state)` runs the effects `plan(state)`
 * asks for (model calls, cells, resumes) through the `LLMClient` and the `Runtime`, turns their
 * outcomes into events and folds them with `reduce` in agent-id order. The input state is never
 * changed; the same events always give the same state.
 */
import pLimit from 'p-limit';
import { createRun, type CreateRunOptions } from '../create.ts';
import { checkTreeLimits, totalUsage } from '../limits.ts';
import { LLMError, type LLMClient } from '../llm/client.ts';
import { isFinished, plan, type Effect } from '../plan.ts';
import { reduceAll } from '../reduce.ts';
import type { CellResult, Repl, Runtime } from '../runtime/runtime.ts';
import type { CellOutcome, RunEvent, StepResult } from '../schema/events.ts';
import type { AgentNode, Cell, Context, RunState } from '../schema/state.ts';
import { waitResults } from '../wait.ts';
import { recordingHandler, type Tool } from './host-calls.ts';
import { builtinHostCalls, type HostCallRegistry } from '../host-calls/registry.ts';
import { refuseOverLimit } from './budget.ts';
import { SubCallLedger } from '../host-calls/sub-call-ledger.ts';
import type { SubCallCache } from '../llm/subcall-cache.ts';
import { bindTurns, rebuildRepl } from './turns.ts';
import { setUpRepl } from './agent-setup.ts';
import { modelMessages } from '../session/compact.ts';
import type { Tracer } from '@opentelemetry/api';
import { EngineEmitter, type EngineEventType, type EngineListener } from './events.ts';
import { attachTelemetry, tracerRegistered } from './telemetry.ts';
import { isTool, toolAvailableAt } from '../tools/tool.ts';
import { checkResult, recordResultSchema, RESULT_ERROR_TYPE, schemaFromRecord, type ResultOf, type ResultSchema, type TypedRunState } from '../result.ts';
import { emitStepOutcome } from './step-events.ts';
import { nodeCount, nodeOf, unfinishedNodes } from '../node-table.ts';
import { replKey, replKeys, type ReplSnapshots } from './snapshots.ts';

/** Options of an `Engine`. */
export interface EngineOptions {
  /** The root agent's model. */
  llm: LLMClient;
  /** The model for `llm_query` sub-calls and child agents (default: `llm`). */
  subModel?: LLMClient;
  /** Hosts the agents' REPLs. The engine never closes it; its owner does. */
  runtime: Runtime;
  /** Host functions agent code can call by name. */
  tools?: Readonly<Record<string, Tool>>;
  /**
   * The host calls agent code can make (default `builtinHostCalls()`: llm_query,
   * llm_query_batched, delegate, tool). Register a module on it to add one (docs/architecture.md).
   */
  hostCalls?: HostCallRegistry;
  /** Effects (model calls, cells) run at once within a step (default 8). */
  concurrency?: number;
  /** Prompts of one `llm_query_batched` sent at once (default 8). */
  subCallConcurrency?: number;
  /**
   * Answers a sub-call whose provider, model, prompt and parameters were answered before, for free
   * (`MemorySubCallCache` in-run, `SqliteSubCallCache` across runs). Hits are recorded on the host
   * call (`cacheHits`), so a replay or a REPL rebuild answers from the record, never the cache.
   * Default: none.
   */
  subCallCache?: SubCallCache;
  /** Cancels the run: in-flight model calls are aborted, running cells interrupted. */
  signal?: AbortSignal;
  /**
   * Live REPL snapshots (`new ReplSnapshots(...)`): fork and rewind open a copy of a live REPL
   * (subprocess: a process fork) instead of re-running the agent's cells. Pass the same object to
   * engines (sessions) that fork from one another; its owner closes it. Default: none (REPLs are
   * rebuilt from the record). See docs/snapshots.md.
   */
  snapshots?: ReplSnapshots;
  /**
   * OpenTelemetry tracer for run/step/agent/LLM-call/cell spans (default `trace.getTracer('rlmtree')`
   * when an OpenTelemetry SDK has registered a global tracer provider before this engine is made,
   * else none); `false`: no spans.
   */
  tracer?: Tracer | false;
}

/** What `Engine.step` resolves with (the next state and the step's events), re-exported so engine users import it from here. */
export type { StepResult };

/** Options of `Engine.init`: `createRun`'s, plus a typed result. */
export interface InitOptions<S extends ResultSchema | undefined = ResultSchema | undefined> extends CreateRunOptions {
  /**
   * A zod schema the root's `done(value)` must satisfy; a value that does not is refused, the
   * model is told the schema's message and keeps going (see `result.ts`). Recorded in the state as
   * JSON Schema (`RunState.resultSchema`), which wins over `resultSchema` when both are given.
   */
  result?: S;
}

/** Options of `Engine.run` / `Engine.runFrom`. */
export interface RunOptions<S extends ResultSchema | undefined = ResultSchema | undefined> extends InitOptions<S> {
  /** Called after every step with its result (for live views and trace writers). */
  onStep?: (step: StepResult) => void | Promise<void>;
  /** Cancels this run (e.g. one turn of a session), on top of the engine's own `signal`. */
  signal?: AbortSignal;
}

interface ReplEntry {
  repl: Repl;
  /** The agent's cells this REPL has run: the same array object as in the state it matches. */
  cells: readonly Cell[];
  /** The last of the agent's turns bound in this REPL (-1: none; agents without turns). */
  turn: number;
  /** The content key of the state the REPL is at (`replKey`): with snapshots, set after each step it ran in. */
  key?: string;
}

/** Drives runs: one engine can step any number of states, forks included. */
export class Engine {
  private readonly repls = new Map<string, ReplEntry>();
  private readonly limit: ReturnType<typeof pLimit>;
  /** Effects of one step in flight at once (`EngineOptions.concurrency`). */
  private readonly concurrency: number;
  private readonly hostCalls: HostCallRegistry;
  /** The zod result schema each run was started with, by run id (a state read from a file has none here). */
  private readonly resultSchemas = new Map<string, ResultSchema>();
  /** Result schemas of session turns, made from their record once per (frozen) turn object. */
  private readonly turnSchemas = new WeakMap<object, ResultSchema>();
  /** The running `runFrom`'s signal (joined with the engine's), if it has one. */
  private runSignal: AbortSignal | undefined;

  /** Models, runtime, tools and concurrency bounds. */
  readonly options: EngineOptions;
  /** What the engine is doing, as typed events (see `EngineEvent`); `on` subscribes. */
  readonly events: EngineEmitter = new EngineEmitter();

  /**
   * @param options models, runtime, tools and concurrency bounds.
   * @throws Error when given `subLlm` (renamed `subModel`).
   */
  constructor(options: EngineOptions) {
    // Renamed without an alias: an old spelling passed through a spread would be dropped silently.
    if (Object.hasOwn(options, 'subLlm')) throw new Error('Engine: the option subLlm is now called subModel (the client for sub-calls and child agents)');
    this.options = options;
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.limit = pLimit(this.concurrency);
    this.hostCalls = options.hostCalls ?? builtinHostCalls();
    // The default tracer is a no-op until an SDK registers a provider: attached only when one has.
    if (options.tracer || (options.tracer === undefined && tracerRegistered())) attachTelemetry(this.events, options.tracer);
  }

  /**
   * Subscribes to engine events of `type` (`'*'`: all); returns the unsubscribe function.
   * Listeners only observe: they cannot change the run's states or events.
   */
  on<T extends EngineEventType | '*'>(type: T, listener: EngineListener<T>): () => void {
    return this.events.on(type, listener);
  }

  /**
   * The state of a new run (step 0) for `query` over `context`. See `createRun`; `result` types
   * the answer (see `InitOptions.result`).
   */
  init<S extends ResultSchema | undefined = undefined>(query: string, context: Context, options: InitOptions<S> = {}): TypedRunState<ResultOf<S>> {
    const tools = Object.entries(this.options.tools ?? {}).map(([name, t]) => (isTool(t) ? t.spec(name) : { name, description: t.description }));
    const { result, ...rest } = options;
    const state = createRun(query, context, { ...rest, tools: options.tools ?? tools, ...(result ? { resultSchema: recordResultSchema(result) } : {}) });
    if (result) this.resultSchemas.set(state.runId, result);
    return state;
  }

  /**
   * Advances every runnable agent by one transition and returns the new state; `state` itself is
   * untouched, so stepping an older state again forks the run.
   * @throws Error only for a bug or an aborted run; failures of models and code become events.
   */
  async step(state: RunState): Promise<RunState> {
    return (await this.stepWithEvents(state)).state;
  }

  /** Like `step`, also returning the events folded (what a trace records). */
  async stepWithEvents(state: RunState): Promise<StepResult> {
    if (isFinished(state)) return { state, events: [] };
    this.signal?.throwIfAborted();
    const started = performance.now();
    const events: RunEvent[] = [];
    const limitEvent = checkTreeLimits(state);
    if (limitEvent) {
      this.events.emit({ type: 'step_started', runId: state.runId, step: state.step, effects: 0 });
      events.push(limitEvent);
    } else {
      const effects = plan(state);
      // A stuck tree (a state edited by hand, a record from an older release) ends its root with a
      // structured error instead of throwing: nothing a run's own content holds crashes the engine.
      const stuck = effects.length === 0 ? stuckTree(state) : null;
      const refused = stuck ?? refuseOverLimit(state, effects, (node) => this.clientFor(node));
      this.events.emit({ type: 'step_started', runId: state.runId, step: state.step, effects: refused ? 0 : effects.length });
      if (refused) events.push(refused);
      else {
        // One sub-call ledger per step: concurrent cells draw on the same tree-wide budgets.
        const ledger = SubCallLedger.forStep(state);
        // Fixed fold order (effects are sorted by agent id), whatever order they finished in.
        events.push(...(await this.runEffects(state, effects, ledger)));
      }
    }
    this.signal?.throwIfAborted();
    events.push({ type: 'step_ended', durationMs: performance.now() - started });
    const next = reduceAll(state, events);
    await this.sync(next, events);
    emitStepOutcome(this.events, state, next, events);
    return { state: next, events };
  }

  /** Steps `state` until the root finishes; returns the final state. */
  async runFrom<T>(state: TypedRunState<T>, options: Pick<RunOptions, 'onStep' | 'signal'> = {}): Promise<TypedRunState<T>> {
    let current = state;
    const started = performance.now();
    const outer = this.runSignal;
    const own = this.options.signal;
    this.runSignal = options.signal && own ? AbortSignal.any([own, options.signal]) : options.signal;
    this.events.emit({ type: 'run_started', runId: state.runId, step: state.step, rootId: state.rootId });
    try {
      while (!isFinished(current)) {
        const result = await this.stepWithEvents(current);
        current = result.state;
        await options.onStep?.(result);
      }
      return current;
    } finally {
      this.runSignal = outer;
      const root = nodeOf(current, current.rootId);
      this.events.emit({
        type: 'run_finished',
        runId: current.runId,
        step: current.step,
        rootId: current.rootId,
        result: root?.result ?? null,
        error: root?.status === 'FINISHED' ? (root.error ?? null) : { kind: 'cancelled', message: 'the run stopped before its root finished' },
        durationMs: performance.now() - started,
        usage: totalUsage(current),
        agents: nodeCount(current),
      });
    }
  }

  /**
   * Starts a run for `query` over `context` and steps it to the end. With `options.result` the
   * returned state is typed by that schema: `resultOf(state)` is the schema's output type.
   */
  run<S extends ResultSchema | undefined = undefined>(query: string, context: Context, options: RunOptions<S> = {}): Promise<TypedRunState<ResultOf<S>>> {
    return this.runFrom(this.init(query, context, options), options);
  }

  /** Closes the REPLs this engine opened (not the runtime, nor `options.snapshots`). Never rejects. */
  async close(): Promise<void> {
    const entries = [...this.repls.values()];
    this.repls.clear();
    for (const e of entries) this.options.snapshots?.unregister(e.repl);
    await Promise.all(entries.map((e) => e.repl.close()));
  }

  /** What cancels the current work: the engine's signal and the running run's, whichever fires. */
  private get signal(): AbortSignal | undefined {
    return this.runSignal ?? this.options.signal;
  }

  private clientFor(node: AgentNode): LLMClient {
    return node.depth === 0 ? this.options.llm : (this.options.subModel ?? this.options.llm);
  }

  /**
   * Runs a step's effects, at most `concurrency` at once (and within the engine-wide bound, which
   * concurrent steps of forks share), starting them in order; their events in effect order. A few
   * workers pull the next effect, rather than every effect queued at once: a step of 5,000 agents
   * would keep 5,000 pending closures and promises alive across the whole step, which the garbage
   * collector then copies and promotes (issue 18). Once one effect throws (an aborted run, a bug),
   * no further effect is started.
   */
  private async runEffects(state: RunState, effects: readonly Effect[], ledger: SubCallLedger | undefined): Promise<RunEvent[]> {
    const out = new Array<RunEvent>(effects.length);
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (!failed && next < effects.length) {
        const i = next++;
        try {
          out[i] = await this.limit(() => this.runEffect(state, effects[i]!, ledger));
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(effects.length, this.concurrency) }, worker));
    return out;
  }

  private async runEffect(state: RunState, effect: Effect, ledger: SubCallLedger | undefined): Promise<RunEvent> {
    const node = nodeOf(state, effect.agentId)!;
    // Engine events are built only when someone listens: a step of 5,000 agents would otherwise
    // make (and collect) six objects per transition nobody reads (issue 18).
    const events = this.events;
    const at = { runId: state.runId, step: state.step, agentId: node.id };
    if (effect.kind === 'llm') {
      const client = this.clientFor(node);
      if (node.iteration === 0 && events.has('agent_started')) {
        events.emit({ type: 'agent_started', ...at, parentId: node.parentId, depth: node.depth, name: node.name, query: node.turns?.at(-1)?.query ?? node.query });
      }
      if (events.has('llm_call_started')) events.emit({ type: 'llm_call_started', ...at, iteration: node.iteration, model: client.name });
      const started = performance.now();
      // Only the root's tokens are streamed out, and only when someone listens for them.
      const onToken = node.depth === 0 && this.events.has('token') ? (fragment: string) => this.events.emit({ type: 'token', ...at, fragment }) : undefined;
      try {
        const reply = await client.complete({ messages: modelMessages(node, state.session?.compaction), ...(this.signal ? { signal: this.signal } : {}), ...(onToken ? { onToken } : {}) });
        if (events.has('llm_call_finished')) events.emit({ type: 'llm_call_finished', ...at, durationMs: performance.now() - started, usage: reply.usage, model: reply.model ?? client.name, error: null });
        return { type: 'llm_replied', agentId: node.id, text: reply.text, usage: reply.usage, ...(reply.model ? { model: reply.model } : {}) };
      } catch (err) {
        this.signal?.throwIfAborted();
        // An LLMError names its client and model itself (it is also what a sub-call raises in
        // Python, where nothing else would); any other error gets the client's name here.
        const text = (err as Error).message ?? String(err);
        const message = err instanceof LLMError ? text : `${client.name ?? 'model'}: ${text}`;
        this.events.emit({ type: 'llm_call_finished', ...at, durationMs: performance.now() - started, usage: null, model: client.name, error: message });
        return { type: 'llm_failed', agentId: node.id, message };
      }
    }
    const resumed = effect.kind === 'wake';
    if (resumed && events.has('woke')) events.emit({ type: 'woke', ...at, awaited: [...node.awaiting] });
    const cell = resumed ? node.cells.length - 1 : node.cells.length;
    if (events.has('cell_started')) events.emit({ type: 'cell_started', ...at, cell, code: resumed ? (node.cells[cell]?.code ?? '') : (node.pendingCode ?? ''), resumed });
    const started = performance.now();
    const event = await this.runCell(state, node, resumed, ledger);
    if (!events.has('cell_finished')) return event;
    if (event.type === 'cell_ran') {
      events.emit({
        type: 'cell_finished',
        ...at,
        cell,
        resumed,
        status: event.outcome.status,
        output: event.output,
        outputChars: event.outputChars,
        hostCalls: event.calls.length,
        durationMs: performance.now() - started,
      });
    } else {
      events.emit({ type: 'cell_finished', ...at, cell, resumed, status: 'crashed', output: '', outputChars: 0, hostCalls: 0, durationMs: performance.now() - started });
    }
    return event;
  }

  private async runCell(state: RunState, node: AgentNode, resumed: boolean, ledger: SubCallLedger | undefined): Promise<RunEvent> {
    const timeoutMs = state.limits.cellTimeoutMs;
    let repl: Repl;
    try {
      repl = await this.replFor(state, node);
    } catch (err) {
      const name = (err as Error).name;
      const kind = name === 'ReplayDivergedError' ? 'replay_diverged' : name === 'RestoreDivergedError' ? 'restore_diverged' : 'runtime_error';
      return { type: 'agent_failed', agentId: node.id, error: { kind, message: (err as Error).message } };
    }
    // The REPL may take a while to start: a run cancelled meanwhile must not start the cell
    // (its watch would never see an abort that happened before it existed).
    this.signal?.throwIfAborted();
    const cellIndex = resumed ? node.cells.length - 1 : node.cells.length;
    const rec = recordingHandler({
      state,
      node,
      limits: state.limits,
      cellIndex,
      subModel: this.options.subModel ?? this.options.llm,
      tools: toolsAt(this.options.tools ?? {}, state, node.depth),
      subCallConcurrency: this.options.subCallConcurrency ?? 8,
      hostCalls: this.hostCalls,
      ...(ledger ? { ledger } : {}),
      ...(this.options.subCallCache ? { subCallCache: this.options.subCallCache } : {}),
      ...(this.signal ? { signal: this.signal } : {}),
    });
    const options = { cell: cellIndex, timeoutMs, ...(this.signal ? { signal: this.signal } : {}) };
    const result = resumed
      ? await repl.wake(waitResults(state, node), rec.handler, options)
      : await repl.execute(node.pendingCode ?? '', rec.handler, options);
    return {
      type: 'cell_ran',
      agentId: node.id,
      resumed,
      calls: rec.calls,
      output: result.output,
      outputChars: result.outputChars,
      ...(result.displays?.length ? { displays: result.displays } : {}),
      ...(result.bound?.length ? { bound: result.bound } : {}),
      delegated: rec.delegated,
      ...(rec.asked.length ? { asked: rec.asked } : {}),
      outcome: this.checkedOutcome(state, node, outcomeOf(result)),
    };
  }

  /**
   * A root's `done(value)` checked against the run's result schema: a value that does not match
   * becomes a `ResultSchemaError` outcome (the model is told why and goes on); a matching one is
   * replaced by the schema's output. Other agents and outcomes pass through.
   */
  private checkedOutcome(state: RunState, node: AgentNode, outcome: CellOutcome): CellOutcome {
    if (outcome.status !== 'done' || node.id !== state.rootId) return outcome;
    const schema = this.turnSchema(node) ?? this.resultSchemas.get(state.runId) ?? (state.resultSchema !== undefined ? schemaFromRecord(state.resultSchema) : undefined);
    if (!schema) return outcome;
    const check = checkResult(schema, outcome.result);
    if (check.ok) return { status: 'done', result: check.value };
    return { status: 'error', error: { type: RESULT_ERROR_TYPE, message: check.message, traceback: `${RESULT_ERROR_TYPE}: ${check.message}` } };
  }

  /** The result schema of a session agent's current turn, when it has one (made once per turn). */
  private turnSchema(node: AgentNode): ResultSchema | undefined {
    const turn = node.turns?.at(-1);
    if (turn?.resultSchema === undefined) return undefined;
    let schema = this.turnSchemas.get(turn);
    if (!schema) this.turnSchemas.set(turn, (schema = schemaFromRecord(turn.resultSchema)));
    return schema;
  }

  /** The REPL matching `node`'s recorded cells: the live one, or a fresh one rebuilt from the record. */
  private async replFor(state: RunState, node: AgentNode): Promise<Repl> {
    const entry = this.repls.get(node.id);
    if (entry && entry.repl.alive && entry.cells === node.cells) {
      // It is about to run a cell: no other engine may copy it as the state it was at (`sync`
      // registers it again where the step left it).
      this.options.snapshots?.unregister(entry.repl);
      delete entry.key; // known again once the step ends
      // A later turn since this REPL last ran: bind its input before the turn's first cell.
      if (node.turns && entry.turn < node.turns.length - 1) entry.turn = await bindTurns(entry.repl, node, entry.turn + 1, state.limits.cellTimeoutMs);
      return entry.repl;
    }
    const snapshots = this.options.snapshots;
    if (entry) {
      this.repls.delete(node.id);
      snapshots?.unregister(entry.repl);
      // The state this REPL is at (the run this engine stepped last) stays forkable.
      if (snapshots && entry.key && entry.repl.alive) await snapshots.keep(entry.repl, entry.key, node.id, entry.turn);
      await entry.repl.close();
    }
    const copied = await snapshots?.open(replKeys(state, node));
    if (copied) {
      let turn = copied.turn;
      try {
        if (node.turns && turn < node.turns.length - 1) turn = await bindTurns(copied.repl, node, turn + 1, state.limits.cellTimeoutMs);
      } catch (err) {
        await copied.repl.close();
        throw err;
      }
      this.track(node, copied.repl, turn);
      return copied.repl;
    }
    const repl = await this.options.runtime.open({
      agentId: node.id,
      context: node.context,
      tools: state.tools.filter((t) => toolAvailableAt(t, node.depth)),
      maxOutputChars: state.limits.maxOutputChars,
      stubs: this.hostCalls.stubs(),
    });
    let turn: number;
    try {
      await setUpRepl(repl, state, node, state.limits.cellTimeoutMs);
      turn = await rebuildRepl(repl, node, state.limits.cellTimeoutMs, this.hostCalls);
    } catch (err) {
      await repl.close();
      throw err;
    }
    this.track(node, repl, turn);
    return repl;
  }

  /**
   * Records `repl` as `node`'s REPL. Its snapshot key is set (and it is registered for other
   * engines to copy) only by `sync`, once the cell it was opened for has run: a step that throws
   * half-way leaves a REPL whose state no key names.
   */
  private track(node: AgentNode, repl: Repl, turn: number): void {
    this.repls.set(node.id, { repl, cells: node.cells, turn });
  }

  /**
   * After a step: the REPLs that ran a cell now match the new state's cells (REPLs of agents that
   * did not run keep the cells they matched, so a fork stepped later is still told apart);
   * REPLs of finished or dead agents are closed, except a session's root, which takes the next turn.
   */
  private async sync(next: RunState, events: readonly RunEvent[]): Promise<void> {
    const ran = new Set(events.flatMap((e) => (e.type === 'cell_ran' ? [e.agentId] : [])));
    const closing: Promise<void>[] = [];
    const keeping: Promise<void>[] = [];
    const snapshots = this.options.snapshots;
    for (const [id, entry] of this.repls) {
      const node = nodeOf(next, id);
      const nextTurn = next.session !== undefined && id === next.rootId;
      if (!node || (node.status === 'FINISHED' && !nextTurn) || !entry.repl.alive) {
        this.repls.delete(id);
        snapshots?.unregister(entry.repl);
        closing.push(entry.repl.close());
      } else if (ran.has(id)) {
        entry.cells = node.cells;
        if (!snapshots) continue;
        const key = replKey(next, node, entry.turn);
        if (key === null) {
          delete entry.key;
          continue;
        }
        entry.key = key;
        snapshots.register(entry.repl, key, id, entry.turn);
        // Where a fork or rewind is likely to go back to (see ReplSnapshotsOptions.at).
        const likely = snapshots.at === 'every-step' || (snapshots.at === 'supervising' && (node.status === 'SUPERVISING' || (nextTurn && node.status === 'FINISHED')));
        if (likely) keeping.push(snapshots.keep(entry.repl, key, id, entry.turn));
      }
    }
    await Promise.all([...closing, ...keeping]);
  }
}

/** The event that ends a tree in which no agent can advance (see `stepWithEvents`). */
function stuckTree(state: RunState): RunEvent {
  const waiting = unfinishedNodes(state)
    .filter((n) => n.status === 'SUPERVISING')
    .map((n) => `${n.id} waits for ${n.awaiting.join(', ') || 'nothing'}`);
  const message = `step ${state.step}: no agent can advance but the root has not finished${waiting.length ? ` (${waiting.slice(0, 4).join('; ')})` : ''}`;
  return { type: 'agent_failed', agentId: state.rootId, error: { kind: 'runtime_error', message } };
}

/**
 * The tools an agent at `depth` may call: those its state's specs allow at that depth, each
 * `tool()` tool named by its record key (so its errors name it).
 */
function toolsAt(tools: Readonly<Record<string, Tool>>, state: RunState, depth: number): Record<string, Tool> {
  const out: Record<string, Tool> = {};
  for (const [name, t] of Object.entries(tools)) {
    const spec = state.tools.find((s) => s.name === name);
    if (spec && !toolAvailableAt(spec, depth)) continue;
    out[name] = isTool(t) ? t.named(name) : t;
  }
  return out;
}

function outcomeOf(result: CellResult): CellOutcome {
  switch (result.status) {
    case 'suspended':
      return { status: 'suspended', awaiting: result.awaiting ?? [] };
    case 'done':
      return { status: 'done', result: result.result ?? null };
    case 'error':
      return { status: 'error', error: result.error ?? { type: 'Error', message: 'unknown error', traceback: '' } };
    case 'timeout':
      return { status: 'timeout', message: result.message ?? 'the cell timed out' };
    case 'crashed':
      return { status: 'crashed', message: result.message ?? 'the REPL died' };
    case 'ok':
      return { status: 'ok' };
  }
}
