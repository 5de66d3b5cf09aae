/**
 * Replay: a trace's initial state folded with its events, step by step, gives every state of the
 * run again, deep-equal to what the engine produced: no model, no runtime (DESIGN.md section 1).
 */
import { produce } from 'immer';
import { reduceAll } from '../reduce.ts';
import type { RunState } from '../schema/state.ts';
import type { Trace, TraceStep } from './format.ts';

/** A trace's events do not fold into its states (a step fails or gives the wrong step number). */
export class TraceReplayError extends Error {
  /** The step (the state's `step` after it) that failed. */
  readonly step: number;
  /** @param detail what failed. */
  constructor(step: number, detail: string) {
    super(`replay: step ${step}: ${detail}`);
    this.name = 'TraceReplayError';
    this.step = step;
  }
}

/**
 * Every state of a trace: `states[0]` is the header's initial state, `states[i]` the state after
 * the i-th recorded step (its `step` is `initial.step + i`). Pure; unchanged agents are shared
 * between consecutive states (immer), so the array costs little more than one state plus the
 * changes.
 * @throws TraceReplayError when an event does not fit the state it is folded into.
 */
export function replay(trace: Pick<Trace, 'header' | 'steps'>): RunState[] {
  const states: RunState[] = [trace.header.initial];
  for (const s of trace.steps) states.push(replayStep(states[states.length - 1]!, s));
  return states;
}

/** Folds one recorded step into `state`. @throws TraceReplayError */
export function replayStep(state: RunState, step: TraceStep): RunState {
  let next: RunState;
  try {
    next = reduceAll(state, step.events);
  } catch (err) {
    throw new TraceReplayError(step.step, (err as Error).message);
  }
  if (next.step !== step.step) throw new TraceReplayError(step.step, `the events give step ${next.step}`);
  return next;
}

/**
 * The first `k - initial.step` steps of a trace: the run rewound to step `k`, as a trace.
 * @throws RangeError when `k` is not a recorded step.
 */
export function rewindTrace<T extends Pick<Trace, 'header' | 'steps'>>(trace: T, k: number): T {
  const first = trace.header.initial.step;
  const last = first + trace.steps.length;
  if (!Number.isInteger(k) || k < first || k > last) throw new RangeError(`rewind: step ${k} is not in the trace (steps ${first}..${last})`);
  return { ...trace, steps: trace.steps.slice(0, k - first) };
}

/**
 * A new trace that shares the first steps of `trace` up to step `k` and goes on from there
 * on its own: a new run id (default: random UUID; replay never changes `runId`, so every state
 * of the fork carries it) and a `forkedFrom` note. Write it with `TraceWriter.write`.
 * @throws RangeError when `k` is not a recorded step.
 */
export function forkTrace(trace: Pick<Trace, 'header' | 'steps'>, k: number, options: { runId?: string; path?: string } = {}): Pick<Trace, 'header' | 'steps'> {
  const { steps } = rewindTrace(trace, k);
  const from = trace.header.initial;
  const initial = produce(from, (d) => {
    d.runId = options.runId ?? crypto.randomUUID();
  });
  return {
    header: {
      ...trace.header,
      createdAt: new Date().toISOString(),
      forkedFrom: { runId: from.runId, step: k, ...(options.path ? { path: options.path } : {}) },
      initial,
    },
    steps,
  };
}
