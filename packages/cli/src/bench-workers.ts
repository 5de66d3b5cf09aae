/**
 * `rlmtree bench --workers <postgres-url>`: the benchmark's RLM runs are submitted to the PostgreSQL
 * queue and advanced by `rlmtree worker` processes (started with the matching models, e.g.
 * `--model bench:oolong --sub-model bench:sub` for the scripted policies), then scored here.
 */
import type { Limits, RunState } from '@rlmtree/core';
import { instances, rlmResult, type InstanceResult, type TaskSpec } from '@rlmtree/bench';
import type { RunQueue } from '@rlmtree/postgres';

/** The largest prompt the root model was sent: every message before its last reply, in characters. */
function rootPromptChars(state: RunState): number {
  const messages = state.nodes[state.rootId]!.messages;
  let max = 0;
  let chars = 0;
  for (const m of messages) {
    if (m.role === 'assistant') max = Math.max(max, chars);
    chars += m.content.length;
  }
  return max;
}

/**
 * Submits every instance (run ids `<prefix>-<instance id>`), waits for each, and scores it like
 * `runRlm` (`rlmResult`). Differences: `wallMs` is from submit to finish (queueing included), and `rootTokens`
 * is the root agent's usage including its own `llm_query` sub-calls (workers do not meter the
 * root model apart).
 */
export async function runBenchOnWorkers(
  queue: RunQueue,
  options: { task: TaskSpec; sizes: readonly number[]; n: number; seed: number; limits: Partial<Limits>; prefix: string; onResult?: (r: InstanceResult) => void },
): Promise<InstanceResult[]> {
  const list = [...instances(options.task, options.sizes, options.n, options.seed)];
  const ids = await queue.submit(list.map((i) => ({ runId: `${options.prefix}-${i.id}`, query: i.query, context: i.context, limits: options.limits })));
  const results: InstanceResult[] = [];
  for (const [k, instance] of list.entries()) {
    const run = await queue.result(ids[k]!);
    const state = (await queue.store.get(ids[k]!))!;
    const root = state.nodes[state.rootId]!;
    const wallMs = (run.finishedAt?.getTime() ?? Date.now()) - run.submittedAt.getTime();
    const result = rlmResult(instance, state, { wallMs, rootTokens: root.usage.inputTokens + root.usage.outputTokens, rootPromptChars: rootPromptChars(state) });
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}
