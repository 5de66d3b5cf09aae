/**
 * The progress shown on stderr while a run goes: on a TTY the tree redrawn in place (log-update),
 * otherwise one plain line per agent whose status changed in a step.
 */
import { createLogUpdate } from 'log-update';
import { nodeLine, renderTree, totalUsage, type RunState, type StepResult } from '@rlmtree/core';

/** Something that follows a run step by step. */
export interface StepView {
  /** Called after each step. */
  update(step: StepResult, previous: RunState): void;
  /** Called once at the end (leaves the final tree on screen). */
  finish(state: RunState): void;
}

function progress(state: RunState, startedAt: number): string {
  const nodes = Object.values(state.nodes);
  const finished = nodes.filter((n) => n.status === 'FINISHED').length;
  const u = totalUsage(state);
  const secs = ((performance.now() - startedAt) / 1000).toFixed(1);
  return `step ${state.step} · agents ${finished}/${nodes.length} finished · LLM calls ${u.llmCalls} · tokens ${u.inputTokens + u.outputTokens} · $${u.costUsd.toFixed(4)} · ${secs}s`;
}

/** The tree redrawn in place on a TTY. */
export function ttyView(stream: NodeJS.WriteStream = process.stderr): StepView {
  const draw = createLogUpdate(stream, { showCursor: true });
  const startedAt = performance.now();
  return {
    update({ state }) {
      draw(`${renderTree(state, { maxChildren: 12 })}\n${progress(state, startedAt)}`);
    },
    finish(state) {
      draw(`${renderTree(state, { maxChildren: 12 })}\n${progress(state, startedAt)}`);
      draw.done();
    },
  };
}

/** One line per status change, for logs and pipes. */
export function lineView(write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): StepView {
  const startedAt = performance.now();
  return {
    update({ state }, previous) {
      for (const node of Object.values(state.nodes)) {
        const before = previous.nodes[node.id];
        if (!before || before.status !== node.status || before.iteration !== node.iteration) {
          write(`[step ${state.step}] ${nodeLine(node)}`);
        }
      }
    },
    finish(state) {
      write(progress(state, startedAt));
    },
  };
}
