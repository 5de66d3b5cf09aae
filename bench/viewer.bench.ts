/**
 * Viewer benchmark (issue 7). Run: `node bench/viewer.bench.ts`.
 *
 * For synthetic runs of 50 agents x ~200 steps and 500 agents x ~2,000 steps (bench/viewer/
 * synthetic-run.ts, real reducer): the HTML file's size against the run's initial state + events
 * as JSON (what a trace holds), the time to build the page against the time to replay those
 * events into states, and in headless Chromium the page's load time and the time a step change
 * takes to render and paint (slider jumps across the run, and single arrow-key steps).
 * Last, `rlmtree view` end to end (a process: read + replay the trace file, build, write) on the
 * 500-agent trace written as JSONL, against `rlmtree replay --step` on the same file.
 * Targets: HTML within ~3x the events' JSON; a step change under 100 ms (p50) at 500 x 2,000.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { reduceAll, TraceWriter } from '@rlmtree/core';
import { viewerHtml, pageAssets } from '@rlmtree/viewer';
import { syntheticRun } from './viewer/synthetic-run.ts';
import { launchChromium } from '../tests/viewer/browser.ts';
import { openViewer, percentile, timeKey, timeStepChange } from '../tests/viewer/measure.ts';

const dir = await mkdtemp(join(tmpdir(), 'rlmtree-viewer-bench-'));
const browser = await launchChromium();
await pageAssets(); // the one-off esbuild bundle is not part of any row
const rows: Record<string, string | number>[] = [];
let viewLine = '';
try {
  for (const [agents, steps] of [[50, 200], [500, 2000]] as const) {
    const run = syntheticRun({ agents, steps });
    const eventsJson = JSON.stringify({ initial: run.states[0], events: run.events }).length;
    let t = performance.now();
    let s = run.states[0]!;
    for (const evs of run.events) s = reduceAll(s, evs);
    const replayMs = performance.now() - t;
    t = performance.now();
    const html = await viewerHtml(run);
    const buildMs = performance.now() - t;
    const file = join(dir, `run-${agents}.html`);
    await writeFile(file, html);
    const page = await browser.context.newPage();
    const { loadMs, setupMs } = await openViewer(page, pathToFileURL(file).href);
    const last = run.states.length - 1;
    const jumps: number[] = [];
    for (let i = 0; i < 40; i++) jumps.push((await timeStepChange(page, Math.floor((((i * 7919) % 997) / 997) * last))).ms);
    await timeStepChange(page, 0);
    const arrows: number[] = [];
    for (let i = 0; i < 40; i++) arrows.push((await timeKey(page, 'ArrowRight')).ms);
    await page.close();
    if (agents === 500) {
      const trace = join(dir, 'run-500.jsonl');
      const writer = TraceWriter.create(trace, run.states[0]!);
      run.events.forEach((events, i) => writer.record({ state: run.states[i + 1]!, events }, run.states[i]!));
      writer.close();
      const bin = new URL('../packages/cli/bin/rlmtree.js', import.meta.url).pathname;
      const timed = (args: string[]) => {
        const t0 = performance.now();
        execFileSync(process.execPath, [bin, ...args], { stdio: 'ignore' });
        return performance.now() - t0;
      };
      const replayCli = timed(['replay', trace, '--step', '1']);
      const viewCli = timed(['view', trace, '-o', join(dir, 'cli.html')]);
      viewLine = `rlmtree view on the 500-agent trace (${((await stat(trace)).size / 1e6).toFixed(2)} MB JSONL -> ${((await stat(join(dir, 'cli.html'))).size / 1e6).toFixed(2)} MB HTML): ${Math.round(viewCli)} ms, against ${Math.round(replayCli)} ms for rlmtree replay --step 1 on the same file (${(viewCli / replayCli).toFixed(2)}x)`;
    }
    rows.push({
      run: `${agents} agents x ${last} steps`,
      'events JSON MB': +(eventsJson / 1e6).toFixed(2),
      'HTML MB': +(html.length / 1e6).toFixed(2),
      'HTML/events': +(html.length / eventsJson).toFixed(2),
      'replay ms': Math.round(replayMs),
      'build HTML ms': Math.round(buildMs),
      'build/replay': +(buildMs / replayMs).toFixed(2),
      'page load ms': Math.round(loadMs),
      'page setup ms': setupMs,
      'jump p50 ms': +percentile(jumps, 50).toFixed(1),
      'jump p95 ms': +percentile(jumps, 95).toFixed(1),
      'arrow p50 ms': +percentile(arrows, 50).toFixed(1),
    });
  }
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
console.table(rows);
console.log(viewLine);
const [small, big] = rows as [Record<string, number>, Record<string, number>];
console.log(`500x2000 vs 50x200 in this run: HTML ${(big['HTML MB']! / small['HTML MB']!).toFixed(1)}x larger, jump p50 ${(big['jump p50 ms']! / small['jump p50 ms']!).toFixed(2)}x, arrow p50 ${(big['arrow p50 ms']! / small['arrow p50 ms']!).toFixed(2)}x`);
