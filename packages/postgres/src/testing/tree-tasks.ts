/**
 * The tasks of the kill drills (`tree-policy.mjs` answers them) and their single-process reference:
 * the answers and model-call count of the same tasks run by one in-process engine.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Engine, ScriptedLLM, type Runtime, type ScriptFunction } from '@rlmtree/core';
import type { RunTask } from '../queue.ts';

/** The scripted policy's file, for `--model scripted:<file>`. */
export const TREE_POLICY = join(import.meta.dirname, 'tree-policy.mjs');

/** `n` tasks "task K" over K-dependent lists of numbers; run ids `<prefix>-K`. */
export function treeTasks(n: number, prefix = 'run'): RunTask[] {
  return Array.from({ length: n }, (_, k) => ({
    runId: `${prefix}-${k}`,
    query: `task ${k}`,
    context: Array.from({ length: 12 }, (_, i) => String((i * 7 + k * 13) % 101)).join(' '),
  }));
}

/** What one process gives for the tasks. */
export interface Reference {
  /** Answers by run id. */
  answers: Map<string, unknown>;
  /** Model calls made (root and children). */
  calls: number;
  /** Wall time (ms). */
  ms: number;
}

/**
 * Runs `tasks` in this process on one engine (`concurrency` runs at once) with the tree policy.
 * `latencyMs` per model reply (default 0; the answers do not depend on it).
 */
export async function referenceRun(tasks: readonly RunTask[], runtime: Runtime, options: { latencyMs?: number; concurrency?: number } = {}): Promise<Reference> {
  const saved = process.env.RLMTREE_POLICY_LATENCY_MS;
  process.env.RLMTREE_POLICY_LATENCY_MS = String(options.latencyMs ?? 0);
  const policy = (await import(pathToFileURL(TREE_POLICY).href)).default as ScriptFunction;
  const llm = new ScriptedLLM(policy);
  const answers = new Map<string, unknown>();
  const started = performance.now();
  try {
    const queue = [...tasks];
    await Promise.all(
      Array.from({ length: options.concurrency ?? 4 }, async () => {
        for (let t = queue.shift(); t; t = queue.shift()) {
          // One engine per run: an engine keys its REPLs by agent id, which every run shares.
          const engine = new Engine({ llm, runtime, tracer: false });
          try {
            const final = await engine.run(t.query, t.context, { runId: t.runId! });
            answers.set(t.runId!, final.nodes[final.rootId]!.result);
          } finally {
            await engine.close();
          }
        }
      }),
    );
  } finally {
    if (saved === undefined) delete process.env.RLMTREE_POLICY_LATENCY_MS;
    else process.env.RLMTREE_POLICY_LATENCY_MS = saved;
  }
  return { answers, calls: llm.callCount, ms: performance.now() - started };
}
