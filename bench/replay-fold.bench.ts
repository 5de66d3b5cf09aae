/**
 * The reducer alone on issue 18's synthetic run (500 agents, ~2,000 steps; bench/viewer/synthetic-run.ts):
 * the time to fold its events while making it, and to `replay` them again from a plain copy of its
 * initial state (no trace file, so no reading). Run it in two checkouts, interleaved, to compare
 * two reducers on one machine: `node --conditions=@rlmtree/source bench/replay-fold.bench.ts`.
 */
import { loadavg } from 'node:os';
import { replay, type RunState } from '@rlmtree/core';
import { syntheticRun } from './viewer/synthetic-run.ts';

const t0 = performance.now();
const run = syntheticRun({ agents: 500, steps: 2000 });
const foldMs = performance.now() - t0;
const initial = JSON.parse(JSON.stringify(run.states[0])) as RunState;
const t1 = performance.now();
replay({ header: { initial } as never, steps: run.events.map((events, i) => ({ step: initial.step + i + 1, events })) });
const replayMs = performance.now() - t1;
console.log(`synthetic run, ${run.events.length} steps: fold while making it ${foldMs.toFixed(0)} ms, replay ${replayMs.toFixed(0)} ms (load ${loadavg().map((l) => l.toFixed(2)).join(' / ')})`);
