import { replay } from '@rlmtree/core';
import { syntheticRun } from './viewer/synthetic-run.ts';
const t0 = performance.now();
const run = syntheticRun({ agents: 500, steps: 2000 });
console.log('synthetic fold', (performance.now() - t0).toFixed(0), 'ms');
const initial = JSON.parse(JSON.stringify(run.states[0]));
const t1 = performance.now();
replay({ header: { initial } as never, steps: run.events.map((events, i) => ({ step: i + 1, events })) });
console.log('replay', (performance.now() - t1).toFixed(0), 'ms');
