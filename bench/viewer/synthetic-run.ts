/**
 * A synthetic run of about `agents` agents and `steps` steps, made by folding hand-written events
 * with the real reducer (no model, no REPL): the root delegates its children in waves; each child
 * makes `iterations` model replies and cells, then `done()`; the root resumes after each wave and
 * delegates the next. Every state is a real `RunState`, shaped like an engine's.
 */
import { createRun, reduceAll, type RunEvent, type RunState, type Usage } from '@rlmtree/core';

const block = (code: string) => '```repl\n' + code + '\n```';
const usage = (input: number, output: number): Usage => ({ inputTokens: input, outputTokens: output, cachedTokens: 0, costUsd: (input * 3 + output * 15) / 1e6, llmCalls: 1 });

/** Sizes of the run to make. */
export interface SyntheticOptions {
  /** Agents including the root (default 500). */
  agents?: number;
  /** Steps wanted (default 2,000); the result is within a few steps of it. */
  steps?: number;
  /** Waves of children the root delegates one after another (default 25). */
  waves?: number;
}

/** Every state (`states[0]` initial) and each step's events of a synthetic run. */
export function syntheticRun(options: SyntheticOptions = {}): { states: RunState[]; events: RunEvent[][] } {
  const agents = options.agents ?? 500;
  const steps = options.steps ?? 2000;
  const waves = Math.min(options.waves ?? 25, agents - 1);
  // Steps: root reply + root cell, then per wave 2*iterations child steps + 1 root resume.
  const iterations = Math.max(1, Math.ceil((steps - 2 - waves) / (2 * waves)));
  const children = agents - 1;
  const ids: string[][] = [];
  for (let w = 0; w < waves; w++) {
    const size = Math.floor(children / waves) + (w < children % waves ? 1 : 0);
    ids.push(Array.from({ length: size }, (_, j) => `root.w${String(w).padStart(2, '0')}_c${String(j).padStart(2, '0')}`));
  }
  const spec = (w: number) => ids[w]!.map((id, j) => ({ id, name: id.slice(5), query: `Summarise part ${j} of batch ${w}: list the names and count the lines that mention each.`, context: `batch ${w} part ${j}\n`.repeat(40) }));

  let state = createRun('Synthetic: summarise 500 parts of a long corpus in 25 batches and combine the counts.', 'corpus line\n'.repeat(20_000), {
    limits: { maxIterations: iterations + 5, maxDepth: 3 },
    runId: 'synthetic-500x2000',
  });
  const states: RunState[] = [state];
  const events: RunEvent[][] = [];
  const push = (evs: RunEvent[]) => {
    evs.push({ type: 'step_ended', durationMs: 5 + (states.length % 7) });
    state = reduceAll(state, evs);
    states.push(state);
    events.push(evs);
  };
  push([{ type: 'llm_replied', agentId: 'root', text: block('handles = []\nfor w in range(25):\n    hs = [delegate(...)]\n    results = yield wait(*hs)'), usage: usage(1200, 80) }]);
  push([{ type: 'cell_ran', agentId: 'root', resumed: false, calls: ids[0]!.map((id) => ({ name: 'delegate', args: { name: id.slice(5) }, answer: { ok: true, value: id } })), output: 'batch 0 delegated\n', outputChars: 18, delegated: spec(0), outcome: { status: 'suspended', awaiting: ids[0]! } }]);
  for (let w = 0; w < waves; w++) {
    for (let it = 0; it < iterations; it++) {
      const last = it === iterations - 1;
      push(ids[w]!.map((id, j) => ({ type: 'llm_replied', agentId: id, text: `Iteration ${it} of ${id}: look at lines ${it * 40}..${it * 40 + 40}.\n` + block(last ? `done({"part": ${j}, "names": ${it + j}})` : `rows = CONTEXT.split("\\n")[${it * 40}:${it * 40 + 40}]\nprint(len(rows), "rows", sum(1 for r in rows if "batch" in r), "with batch")`), usage: usage(900 + it * 160, 60 + (j % 9)) })));
      push(ids[w]!.map((id, j) => ({
        type: 'cell_ran', agentId: id, resumed: false,
        calls: it % 5 === 2 ? [{ name: 'llm_query', args: { prompt: `classify rows of ${id} at ${it}` }, answer: { ok: true, value: `class ${(it + j) % 4}` }, usage: usage(300, 12) }] : [],
        output: last ? '' : `40 rows ${(it * 7 + j) % 40} with batch\nnames: ${['ROMEO', 'JULIET', 'MERCUTIO', 'TYBALT'].slice(0, 1 + ((it + j) % 4)).join(', ')}\n`,
        outputChars: last ? 0 : 60,
        delegated: [],
        outcome: last ? { status: 'done', result: { part: j, names: it + j } } : { status: 'ok' },
      }) as RunEvent));
    }
    const next = w + 1 < waves;
    push([{ type: 'cell_ran', agentId: 'root', resumed: true, calls: next ? ids[w + 1]!.map((id) => ({ name: 'delegate', args: { name: id.slice(5) }, answer: { ok: true, value: id } })) : [], output: `batch ${w} combined: ${ids[w]!.length} parts\n`, outputChars: 30, delegated: next ? spec(w + 1) : [], outcome: next ? { status: 'suspended', awaiting: ids[w + 1]! } : { status: 'done', result: `combined ${children} parts in ${waves} batches` } }]);
  }
  return { states, events };
}
