/**
 * `Session`: a run that goes on. Each `send` is a new turn on the same tree: a `turn_started`
 * event folded before the turn's first step, so the root keeps its REPL (variables, imports,
 * functions) and its conversation. The session is one immutable, serializable `RunState` at every
 * step; `fork`, `rewind` and checkpoints work at any step of any turn, and its trace (turn events
 * included) replays exactly. A cancelled turn rolls the session back to the state before it.
 */
import { isTool } from '../tools/tool.ts';
import { promptVersionOf } from '../prompts/versions.ts';
import { produce } from 'immer';
import { intervene, pendingInterventions } from '../control.ts';
import { Engine, type EngineOptions, type StepResult } from '../engine/engine.ts';
import { isFinished } from '../plan.ts';
import { totalUsage } from '../limits.ts';
import { zeroUsage } from '../llm/client.ts';
import type { AgentError, ChatMessage, Compaction, Context, Json, Limits, RunState, Turn, Usage } from '../schema/state.ts';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type Trace, type TraceStep } from '../trace/format.ts';
import { TraceWriter, type TraceWriterOptions } from '../trace/writer.ts';
import { createSession } from './create.ts';
import { recordResultSchema, type ResultOf, type ResultSchema } from '../result.ts';
import { nodeFs } from '../util/builtins.ts';

/** Options of a `Session`: the engine's (models, runtime, tools), plus limits and compaction. */
export interface SessionOptions extends Omit<EngineOptions, 'signal'> {
  /** Limits of the session (they apply per turn for `maxIterations`, to the whole session otherwise). */
  limits?: Partial<Limits>;
  /** How earlier turns are cut in prompts (defaults: `DEFAULT_COMPACTION`). */
  compaction?: Partial<Compaction>;
  /** Input of the first turn when `send` gives none (default: the empty string). */
  context?: Context;
  /** Earlier user/assistant messages the conversation starts with (see `CreateSessionOptions.history`). */
  history?: readonly ChatMessage[];
  /**
   * Where to record the session: a path (a new trace file is created at the first turn; an
   * existing file is an error) or an open `TraceWriter` at the session's current step.
   */
  trace?: string | TraceWriter;
  /** Header facts of a trace created from a path (e.g. the CLI's model spec). */
  traceOptions?: Pick<TraceWriterOptions, 'config' | 'fsync' | 'blobThreshold'>;
  /** Called after every step of every turn. */
  onStep?: (step: StepResult) => void | Promise<void>;
  /** Run id of a new session (default: a random UUID). */
  runId?: string;
}

/** Options of one `send`. */
export interface SendOptions<S extends ResultSchema | undefined = undefined> {
  /** The turn's input, bound to `CONTEXT` (default: the previous turn's input). */
  context?: Context;
  /** Cancels the turn: the session goes back to the state before it. */
  signal?: AbortSignal;
  /**
   * A zod schema the turn's answer must match: recorded in the turn as JSON Schema and told to
   * the model; a `done()` value that does not match is refused back to it (see `result.ts`).
   */
  result?: S;
}

/** What a finished turn gave; `result` is typed by the turn's result schema when it had one. */
export interface TurnResult<T = Json> {
  /** 0-based turn index. */
  turn: number;
  /** The answer as text (JSON for non-string results). */
  answer: string;
  /** The value the root gave `done()` (checked against the turn's result schema). */
  result: T;
  /** The session's state at the end of the turn. */
  state: RunState;
  /** Tokens, cost (USD) and model calls of this turn alone (the whole tree). */
  usage: Usage;
}

/** A turn was sent while another one runs. Sessions take one turn at a time. */
export class SessionBusyError extends Error {
  /** @param turn the turn still running. */
  constructor(turn: number) {
    super(`session: turn ${turn} is still running; wait for it (or cancel it with its AbortSignal) before sending another`);
    this.name = 'SessionBusyError';
  }
}

/** The turn was cancelled; the session is back at the state before it. */
export class TurnCancelledError extends Error {
  /** The session's state after the rollback (null when the cancelled turn was the first). */
  readonly state: RunState | null;
  /** @param turn the cancelled turn's index. */
  constructor(turn: number, state: RunState | null, options?: ErrorOptions) {
    super(`session: turn ${turn} was cancelled; the session is back where it was before it`, options);
    this.name = 'TurnCancelledError';
    this.state = state;
  }
}

/** The turn ended without an answer (a limit, a model failure); it stays in the session. */
export class TurnFailedError extends Error {
  /** The structured reason. */
  readonly error: AgentError;
  /** The session's state at the end of the failed turn. */
  readonly state: RunState;
  /** @param turn the failed turn's index. */
  constructor(turn: number, error: AgentError, state: RunState) {
    super(`session: turn ${turn} ended without an answer: ${error.kind}: ${error.message}`);
    this.name = 'TurnFailedError';
    this.error = error;
    this.state = state;
  }
}

/** Which point of a session to go to: a step, or the end of a turn (0-based). */
export type SessionPoint = { step: number } | { turn: number };

function subtractUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens - b.inputTokens,
    outputTokens: a.outputTokens - b.outputTokens,
    cachedTokens: a.cachedTokens - b.cachedTokens,
    ...(a.cacheWriteTokens !== undefined ? { cacheWriteTokens: a.cacheWriteTokens - (b.cacheWriteTokens ?? 0) } : {}),
    costUsd: Math.max(0, a.costUsd - b.costUsd),
    llmCalls: a.llmCalls - b.llmCalls,
  };
}

/** The answer text of a result value. */
function answerText(result: Json): string {
  return typeof result === 'string' ? result : JSON.stringify(result);
}

/**
 * A conversation with an RLM over one live tree. One turn at a time: `send` while a turn runs
 * rejects with `SessionBusyError` (nothing is queued). The session's engine keeps the root's REPL
 * open between turns; `close()` closes it (not the runtime, which its owner closes).
 */
export class Session {
  private readonly options: SessionOptions;
  private readonly engine_: Engine;
  private readonly history: RunState[];
  private readonly steps: TraceStep[];
  private writer: TraceWriter | undefined;
  private running: number | null = null;
  private closed = false;

  private constructor(options: SessionOptions, states: RunState[], steps: TraceStep[]) {
    this.options = options;
    this.engine_ = new Engine(options);
    this.history = states;
    this.steps = steps;
    if (options.trace instanceof TraceWriter) this.writer = options.trace;
    else if (options.trace !== undefined && states.length > 0) this.writer = TraceWriter.write(options.trace, this.trace!, options.traceOptions ?? {});
  }

  /** A new session; its first `send` is turn 0. */
  static create(options: SessionOptions): Session {
    return new Session(options, [], []);
  }

  /**
   * A session that goes on from a saved state (a checkpoint, the last state of a trace), its
   * REPLs rebuilt from the record when next needed (no model call). `states` / `steps` (e.g.
   * from `replay(trace)` and `trace.steps`) let it rewind and fork to earlier steps.
   * @throws Error when `state` is not a session's state, or `states` does not end at it.
   */
  static from(state: RunState, options: SessionOptions, record: { states?: RunState[]; steps?: TraceStep[] } = {}): Session {
    if (!state.session || !state.nodes[state.rootId]?.turns) throw new Error(`Session.from: run ${state.runId} is not a session (its state has no session config)`);
    const states = record.states ? [...record.states] : [state];
    if (states.at(-1)?.step !== state.step) throw new Error(`Session.from: the states given end at step ${states.at(-1)?.step}, not at the state's step ${state.step}`);
    states[states.length - 1] = state;
    const steps = record.steps ? record.steps.slice(0, states.length - 1) : [];
    if (record.states && steps.length !== states.length - 1) throw new Error(`Session.from: ${states.length} states need ${states.length - 1} steps, got ${steps.length}`);
    return new Session(options, states, steps);
  }

  /**
   * The engine that runs the session's turns: subscribe to what it does with `engine.on` (live
   * views). Stepping states with it directly bypasses the session's record.
   */
  get engine(): Engine {
    return this.engine_;
  }

  /** The session's current state (null before the first turn). Immutable. */
  get state(): RunState | null {
    return this.history.at(-1) ?? null;
  }

  /** Every state of the session this object knows, one per step, oldest first. */
  get states(): readonly RunState[] {
    return this.history;
  }

  /** The session as a trace (initial state + every step's events), for `TraceWriter.write` or `forkTrace`. */
  get trace(): Pick<Trace, 'header' | 'steps'> | null {
    const initial = this.history[0];
    if (!initial) return null;
    const header = { format: TRACE_FORMAT, version: TRACE_FORMAT_VERSION, createdAt: new Date().toISOString(), config: this.options.traceOptions?.config ?? {}, promptVersion: promptVersionOf(initial.prompt), initial } as const;
    return { header, steps: [...this.steps] };
  }

  /** The root's turns so far (each with its query, input, answer or error). */
  get turns(): readonly Turn[] {
    const state = this.state;
    return state ? (state.nodes[state.rootId]!.turns ?? []) : [];
  }

  /** True while a turn runs. */
  get busy(): boolean {
    return this.running !== null;
  }

  /**
   * Sends a new turn and runs it to its end.
   * @throws SessionBusyError when a turn is running; TurnCancelledError when `signal` fired (the
   *   session is rolled back); TurnFailedError when the turn ended without an answer (the turn
   *   stays); Error when the session is closed or its last turn has not finished (call `resume`).
   */
  async send<S extends ResultSchema | undefined = undefined>(message: string, options: SendOptions<S> = {}): Promise<TurnResult<ResultOf<S>>> {
    const resultSchema = options.result ? recordResultSchema(options.result) : undefined;
    const before = this.state;
    if (before && !isFinished(before)) {
      const turn = this.turns.length - 1;
      throw new Error(`session: turn ${turn} has not finished (the session was saved mid-turn); call resume() to finish it first`);
    }
    return this.runTurn(options.signal, () => {
      if (!before) {
        const start = createSession(message, options.context ?? this.options.context ?? '', {
          ...(this.options.limits ? { limits: this.options.limits } : {}),
          ...(this.options.compaction ? { compaction: this.options.compaction } : {}),
          ...(this.options.runId ? { runId: this.options.runId } : {}),
          ...(resultSchema !== undefined ? { turnResultSchema: resultSchema } : {}),
          ...(this.options.history ? { history: this.options.history } : {}),
          tools: Object.entries(this.options.tools ?? {}).map(([name, t]) => (isTool(t) ? t.spec(name) : { name, description: t.description })),
        });
        this.history.push(start);
        if (typeof this.options.trace === 'string') this.writer = TraceWriter.create(this.options.trace, start, this.options.traceOptions ?? {});
        return start;
      }
      return intervene(before, { type: 'turn_started', agentId: before.rootId, query: message, context: options.context ?? null, ...(resultSchema !== undefined ? { resultSchema } : {}) });
    }) as Promise<TurnResult<ResultOf<S>>>;
  }

  /**
   * Runs the current, unfinished turn to its end (a session restored from a state saved
   * mid-turn). @throws like `send`; Error when there is no unfinished turn.
   */
  async resume(options: Pick<SendOptions, 'signal'> = {}): Promise<TurnResult> {
    const state = this.state;
    if (!state || isFinished(state)) throw new Error('session: no unfinished turn to resume');
    return this.runTurn(options.signal, () => state);
  }

  private async runTurn(signal: AbortSignal | undefined, begin: () => RunState): Promise<TurnResult> {
    if (this.closed) throw new Error('session: closed');
    if (this.running !== null) throw new SessionBusyError(this.running);
    const turn = this.state && isFinished(this.state) ? this.turns.length : Math.max(0, this.turns.length - 1);
    this.running = turn;
    const mark = { states: this.history.length, steps: this.steps.length, trace: this.writer?.step, hadWriter: this.writer !== undefined };
    const usageBefore = this.state ? totalUsage(this.state) : zeroUsage();
    try {
      const start = begin();
      let from = start;
      const final = await this.engine_.runFrom(start, {
        ...(signal ? { signal } : {}),
        onStep: async (result) => {
          const pending = pendingInterventions(from);
          this.writer?.record(result, from);
          this.steps.push({ step: result.state.step, events: pending ? [...pending.events, ...result.events] : result.events });
          this.history.push(result.state);
          from = result.state;
          await this.options.onStep?.(result);
        },
      });
      const root = final.nodes[final.rootId]!;
      if (root.error) throw new TurnFailedError(turn, root.error, final);
      return { turn, answer: answerText(root.result), result: root.result, state: final, usage: subtractUsage(totalUsage(final), usageBefore) };
    } catch (err) {
      if (err instanceof TurnFailedError) throw err;
      await this.rollback(mark);
      if (signal?.aborted) throw new TurnCancelledError(turn, this.state, { cause: err });
      throw err;
    } finally {
      this.running = null;
    }
  }

  /** Back to the mark: states, steps and trace lines of the turn dropped, REPLs rebuilt when next needed. */
  private async rollback(mark: { states: number; steps: number; trace: number | undefined; hadWriter: boolean }): Promise<void> {
    this.history.length = mark.states;
    this.steps.length = mark.steps;
    if (this.writer) {
      if (mark.trace !== undefined) this.writer.truncate(mark.trace);
      else if (!mark.hadWriter) {
        // The trace was created by this (first) turn: nothing of it stays.
        this.writer.close();
        nodeFs().unlinkSync(this.writer.path);
        this.writer = undefined;
      }
    }
    // The REPLs ran (part of) the turn; the next turn rebuilds them from the record.
    await this.engine_.close();
  }

  /** The state at a step or at the end of a turn. @throws RangeError when the session does not hold it. */
  at(point: SessionPoint): RunState {
    const first = this.history[0]?.step ?? 0;
    let step: number;
    if ('turn' in point) {
      const turns = this.turns;
      const turn = turns[point.turn];
      if (!turn || (point.turn === turns.length - 1 && !isFinished(this.state!))) throw new RangeError(`session: turn ${point.turn} has not finished (the session has ${turns.length} turns)`);
      step = point.turn === turns.length - 1 ? this.state!.step : turns[point.turn + 1]!.startStep;
    } else step = point.step;
    const state = this.history[step - first];
    if (!state || state.step !== step) throw new RangeError(`session: no state at step ${step} (the session holds steps ${first}..${first + this.history.length - 1})`);
    return state;
  }

  /**
   * Goes back to a step or to the end of a turn, dropping what came after (the trace file is cut
   * back too). The REPLs are rebuilt from the record when next needed: no model call.
   * @throws SessionBusyError while a turn runs; RangeError for a point the session does not hold.
   */
  async rewind(point: SessionPoint): Promise<RunState> {
    if (this.running !== null) throw new SessionBusyError(this.running);
    const state = this.at(point);
    const first = this.history[0]!.step;
    this.writer?.truncate(state.step);
    this.history.length = state.step - first + 1;
    this.steps.length = this.history.length - 1;
    await this.engine_.close();
    return state;
  }

  /**
   * A new session that shares this one's states up to a step or the end of a turn (default: now)
   * and goes on by itself: its own engine and REPLs (rebuilt from the record, no model call), a
   * new run id, and its own trace file when `trace` is given. Neither session changes the other.
   * @throws RangeError for a point the session does not hold; Error (EEXIST) when the trace file exists.
   */
  fork(point?: SessionPoint, options: { runId?: string; trace?: string } = {}): Session {
    const at = point ? this.at(point) : this.state;
    if (!at) throw new RangeError('session: nothing to fork before the first turn');
    const runId = options.runId ?? crypto.randomUUID();
    const first = this.history[0]!.step;
    const states = this.history.slice(0, at.step - first + 1).map((s) =>
      produce(s, (d) => {
        d.runId = runId;
      }),
    );
    const steps = this.steps.slice(0, states.length - 1);
    let trace: TraceWriter | undefined;
    if (options.trace) {
      trace = TraceWriter.write(options.trace, { header: { ...this.trace!.header, initial: states[0]!, forkedFrom: { runId: at.runId, step: at.step } }, steps }, this.options.traceOptions ?? {});
    }
    const { trace: _own, ...rest } = this.options;
    return Session.from(states.at(-1)!, { ...rest, ...(trace ? { trace } : {}) }, { states, steps });
  }

  /** Closes the session's REPLs and its trace file (not the runtime). Never rejects. */
  async close(): Promise<void> {
    this.closed = true;
    this.writer?.close();
    await this.engine_.close();
  }
}
