/** Running a state to the end with the live view and an optional trace, and reporting it: shared by `run` and `resume`. */
import { Engine, totalUsage, type LLMClient, type RunState, type Runtime, type TraceWriter } from '@rlmtree/core';
import { lineView, ttyView } from './live-view.ts';
import { usageReport } from './usage-report.ts';

/** What `driveRun` needs. */
export interface DriveOptions {
  llm: LLMClient;
  subLlm?: LLMClient;
  /** Closed when the run ends, like the engine. */
  runtime: Runtime;
  /** Redraw the tree in place when stderr is a TTY (else plain lines). */
  live: boolean;
  /** Records every step (closed when the run ends). */
  trace?: TraceWriter;
}

/** Steps `start` until the root finishes, showing progress on stderr; returns the final state. */
export async function driveRun(start: RunState, options: DriveOptions): Promise<RunState> {
  const { runtime, trace } = options;
  const engine = new Engine({ llm: options.llm, ...(options.subLlm ? { subLlm: options.subLlm } : {}), runtime });
  const view = options.live && process.stderr.isTTY ? ttyView(engine) : lineView(engine);
  try {
    const record = trace?.follow(start);
    let previous = start;
    view.start?.(previous);
    const state = await engine.runFrom(start, {
      onStep: (step) => {
        record?.(step);
        view.update(step, previous);
        previous = step.state;
      },
    });
    view.finish(state);
    return state;
  } finally {
    trace?.close();
    await engine.close();
    await runtime.close();
  }
}

/**
 * Prints usage and cost to stderr and the answer to stdout (JSON with `json`); returns the exit
 * code: 0 answered, 3 the run ended without an answer (its structured reason on stderr).
 */
export function reportRun(state: RunState, json: boolean): number {
  const root = state.nodes[state.rootId]!;
  process.stderr.write(`usage and cost (USD):\n${usageReport(state).map((l) => `  ${l}\n`).join('')}`);
  if (json) {
    const facts = { answer: root.result, error: root.error, usage: totalUsage(state), steps: state.step, agents: Object.keys(state.nodes).length, runId: state.runId };
    process.stdout.write(`${JSON.stringify(facts, null, 2)}\n`);
  } else if (!root.error) {
    process.stdout.write(`${typeof root.result === 'string' ? root.result : JSON.stringify(root.result, null, 2)}\n`);
  }
  if (root.error) {
    process.stderr.write(`rlmtree: the run ended without an answer: ${root.error.kind}: ${root.error.message}\n`);
    return 3;
  }
  return 0;
}
