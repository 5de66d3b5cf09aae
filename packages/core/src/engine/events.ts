/**
 * Engine events: what the engine is doing while it steps a run, for live views, the viewer,
 * telemetry and users' own code. They are notifications only: listeners cannot change the run,
 * and a listener that throws is reported (see `EngineEmitter`), never allowed to break a step.
 *
 * These are not the reducer's `RunEvent`s (which say what happened and are folded into the
 * state); these also say when things start, how long they took and what the model streamed.
 */
import type { ChildSpec } from '../schema/events.ts';
import type { AgentError, CellStatus, Json, Usage } from '../schema/state.ts';

/** Fields every engine event carries. */
interface Base {
  /** The run (`RunState.runId`) the event belongs to; one engine can step several runs (forks). */
  runId: string;
  /** The step being taken: the input state's `step` (0 for the first step). */
  step: number;
  /** Wall clock when the event was emitted (ms since the epoch, `Date.now()`). */
  at: number;
}

/** Every engine event, discriminated by `type`. */
export type EngineEvent =
  /** `runFrom`/`run` began stepping a run. */
  | (Base & { type: 'run_started'; rootId: string })
  /** `runFrom`/`run` stopped: the root finished (or the run threw, `error` set). */
  | (Base & { type: 'run_finished'; rootId: string; result: Json | null; error: AgentError | null; durationMs: number; usage: Usage; agents: number })
  /** A step began; `effects` is the number of model calls, cells and resumes planned (0 when a tree-wide limit ends the run). */
  | (Base & { type: 'step_started'; effects: number })
  /** A step ended; `durationMs` is its wall time. */
  | (Base & { type: 'step_finished'; durationMs: number; finished: boolean })
  /** An agent's first model call is about to be made (the root, or a delegated child). */
  | (Base & { type: 'agent_started'; agentId: string; parentId: string | null; depth: number; name: string; query: string })
  /** A model call for an agent began. `iteration` is the agent's replies so far. */
  | (Base & { type: 'llm_call_started'; agentId: string; iteration: number; model: string | undefined })
  /** A model call ended: `usage` on success, `error` (one line) on failure. */
  | (Base & { type: 'llm_call_finished'; agentId: string; durationMs: number; usage: Usage | null; model: string | undefined; error: string | null })
  /** A text fragment the root's model streamed (only when its client streams). */
  | (Base & { type: 'token'; agentId: string; fragment: string })
  /** A cell (or the resumed rest of a suspended one) began running. `cell` is its 0-based index. */
  | (Base & { type: 'cell_started'; agentId: string; cell: number; code: string; resumed: boolean })
  /** A cell stopped: how, its output for this segment (as shown to the model) and its host calls. */
  | (Base & { type: 'cell_finished'; agentId: string; cell: number; resumed: boolean; status: CellStatus; output: string; outputChars: number; hostCalls: number; durationMs: number })
  /** An agent's cell delegated children. */
  | (Base & { type: 'delegated'; agentId: string; children: ChildSpec[] })
  /** A SUPERVISING agent's suspended cell is being woken with its children's results. */
  | (Base & { type: 'woke'; agentId: string; awaited: string[] })
  /** An agent finished, with its result or a structured error. */
  | (Base & { type: 'agent_finished'; agentId: string; result: Json | null; error: AgentError | null; iteration: number; usage: Usage })
  /** A hard limit (iterations, tokens, cost, wall clock) ended an agent. */
  | (Base & { type: 'limit_hit'; agentId: string; error: AgentError })
  /** Something failed for an agent: a model call, its REPL, a replay. The agent's end follows as `agent_finished`. */
  | (Base & { type: 'error'; agentId: string; kind: AgentError['kind']; message: string });

/** The `type` names of engine events. */
export type EngineEventType = EngineEvent['type'];

/** The event of one `type`. */
export type EngineEventOf<T extends EngineEventType> = Extract<EngineEvent, { type: T }>;

/** A listener for events of type `T` (`'*'`: every event). */
export type EngineListener<T extends EngineEventType | '*'> = (event: T extends EngineEventType ? EngineEventOf<T> : EngineEvent) => void;

/** An event without the fields the emitter fills in (`at`). */
export type EngineEventInput = EngineEvent extends infer E ? (E extends EngineEvent ? Omit<E, 'at'> : never) : never;

/**
 * A small typed event emitter. Listeners run synchronously, in subscription order; a listener
 * that throws is passed to `onListenerError` (default: `console.error`) and the others still run.
 */
export class EngineEmitter {
  private readonly listeners = new Map<string, Set<(event: EngineEvent) => void>>();
  private readonly onListenerError: (err: unknown, event: EngineEvent) => void;

  /** @param onListenerError called with what a listener threw and the event it was given. */
  constructor(onListenerError?: (err: unknown, event: EngineEvent) => void) {
    this.onListenerError =
      onListenerError ?? ((err, event) => console.error(`rlmtree: an engine event listener threw on ${event.type}:`, err));
  }

  /** Subscribes `listener` to events of `type` (`'*'`: all). Returns the unsubscribe function. */
  on<T extends EngineEventType | '*'>(type: T, listener: EngineListener<T>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const fn = listener as (event: EngineEvent) => void;
    set.add(fn);
    return () => set.delete(fn);
  }

  /** True when someone listens to `type` (directly or through `'*'`). */
  has(type: EngineEventType): boolean {
    return (this.listeners.get(type)?.size ?? 0) + (this.listeners.get('*')?.size ?? 0) > 0;
  }

  /** Sends `event` (stamped with `at = Date.now()`) to its listeners, then to `'*'` listeners. */
  emit(input: EngineEventInput): void {
    if (!this.has(input.type)) return;
    const event = { ...input, at: Date.now() } as EngineEvent;
    for (const key of [event.type, '*']) {
      for (const fn of this.listeners.get(key) ?? []) {
        try {
          fn(event);
        } catch (err) {
          this.onListenerError(err, event);
        }
      }
    }
  }
}
