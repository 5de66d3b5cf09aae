/// <reference lib="dom" />
/**
 * The viewer in a real headless Chromium (Debian's, via playwright-core): the main-job run's page
 * from file:// (slider, keys, tree statuses, a child's code and output, the final answer), and a
 * synthetic 500-agent, ~2,000-step run whose step changes are timed and reported.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunEvent, RunState } from '@rlmtree/core';
import { viewerHtml } from '@rlmtree/viewer';
import { syntheticRun } from '../../bench/viewer/synthetic-run.ts';
import { launchChromium } from './browser.ts';
import { recordMainJob } from './main-job.ts';
import { openViewer, percentile, timeKey, timeStepChange } from './measure.ts';
import { needs, skipNote } from '../helpers/parts.ts';

const missing = needs('chromium');
describe.skipIf(missing)(`viewer${skipNote(missing)}`, () => {
  let dir: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rlmtree-viewer-'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const rowStatuses = (page: Page) =>
    page.$$eval('[data-testid=tree-row]', (rows) => Object.fromEntries(rows.map((r) => [r.getAttribute('data-agent-id'), r.getAttribute('data-status')])));
  /** Waits until the page shows step `step` (renders are asynchronous). */
  const atStep = (page: Page, step: number) =>
    page.waitForFunction((s) => document.querySelector('[data-testid=step-label]')?.textContent?.startsWith(`step ${s} /`), step, { timeout: 10_000 });
  const statusesAt = (s: RunState) => Object.fromEntries(Object.values(s.nodes).map((n) => [n.id, n.status]));

  describe('viewer on the main-job run', () => {
    let run: { states: RunState[]; events: RunEvent[][] };
    let page: Page;
    beforeAll(async () => {
      run = await recordMainJob();
      const file = join(dir, 'main.html');
      await writeFile(file, await viewerHtml(run));
      page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // No network: any request other than the file itself would be a bug of the page.
      await page.route(/^(?!file:)/, (route) => {
        errors.push(`network request to ${route.request().url()}`);
        return route.abort();
      });
      await openViewer(page, pathToFileURL(file).href);
      expect(errors).toEqual([]);
    });

    it('opens at the last step with the final answer and every agent finished', async () => {
      const last = run.states.at(-1)!;
      const answer = last.nodes[last.rootId]!.result as string;
      expect(answer).toMatch(/has the most speeches: \d+/);
      expect(await page.textContent('[data-testid=final-answer]')).toContain(answer);
      expect(await page.textContent('[data-testid=step-label]')).toBe(`step ${last.step} / ${last.step}`);
      expect(await rowStatuses(page)).toEqual(statusesAt(last));
    });

    it('the slider and the arrow keys move through the steps; the tree shows each step\'s statuses', async () => {
      await page.locator('[data-testid=step-slider]').fill('0');
      await atStep(page, 0);
      expect(await page.textContent('[data-testid=step-label]')).toBe(`step 0 / ${run.states.length - 1}`);
      expect(await rowStatuses(page)).toEqual(statusesAt(run.states[0]!));
      expect(await page.$('[data-testid=final-answer]')).toBeNull();
      for (let i = 1; i < run.states.length; i++) {
        await page.keyboard.press('ArrowRight');
        await atStep(page, i);
        expect(await page.textContent('[data-testid=step-label]')).toBe(`step ${i} / ${run.states.length - 1}`);
        expect(await rowStatuses(page)).toEqual(statusesAt(run.states[i]!));
      }
      // The step where the root waits for its children shows it SUPERVISING with them READY.
      const supervising = run.states.findIndex((s) => s.nodes[s.rootId]!.status === 'SUPERVISING');
      expect(supervising).toBeGreaterThan(0);
      await page.keyboard.press('Home');
      for (let i = 0; i < supervising; i++) await page.keyboard.press('ArrowRight');
      await atStep(page, supervising);
      const rows = await rowStatuses(page);
      expect(rows['root']).toBe('SUPERVISING');
      expect(Object.keys(rows).length).toBe(Object.keys(run.states[supervising]!.nodes).length);
      await page.keyboard.press('End');
      await atStep(page, run.states.length - 1);
    });

    it('selecting a child shows its code, output, result and host calls; the root shows what changed', async () => {
      const last = run.states.at(-1)!;
      const child = last.nodes[last.nodes[last.rootId]!.children[1]!]!;
      await page.click(`[data-testid=tree-row][data-agent-id="${child.id}"]`);
      expect(await page.getAttribute('[data-testid=detail]', 'data-agent-id')).toBe(child.id);
      expect(await page.textContent('[data-testid=detail-status]')).toBe('FINISHED');
      expect(await page.textContent('[data-testid=cell-code]')).toBe(child.cells[0]!.code);
      expect(await page.textContent('[data-testid=cell-output]')).toBe(child.cells[0]!.output);
      expect(await page.textContent('[data-testid=detail-result]')).toContain(Object.keys(child.result as object)[0]!);
      // The root, via the parent link: its cells include the delegate calls, and the last step changed it.
      await page.click('.facts a');
      expect(await page.getAttribute('[data-testid=detail]', 'data-agent-id')).toBe(last.rootId);
      expect(await page.locator('[data-testid=host-calls] tr', { hasText: 'delegate' }).count()).toBe(last.nodes[last.rootId]!.children.length);
      expect(await page.textContent('[data-testid=changes]')).toContain('SUPERVISING → FINISHED');
      // A child link in the root's detail selects that child.
      await page.click(`[data-testid=child-link][data-agent-id="${child.id}"]`);
      expect(await page.getAttribute('[data-testid=detail]', 'data-agent-id')).toBe(child.id);
    });
  });

  describe('viewer on a 500-agent, ~2,000-step run', () => {
    it('opens, renders only the visible rows, and changes steps (times reported)', async () => {
      const run = syntheticRun({ agents: 500, steps: 2000 });
      const t0 = performance.now();
      const html = await viewerHtml(run);
      const generateMs = performance.now() - t0;
      const file = join(dir, 'big.html');
      await writeFile(file, html);
      const page = await browser.context.newPage();
      const { loadMs, setupMs } = await openViewer(page, pathToFileURL(file).href);
      const last = run.states.length - 1;
      expect(await page.textContent('[data-testid=step-label]')).toBe(`step ${last} / ${last}`);
      expect(Number(await page.getAttribute('[data-testid=tree]', 'data-rows'))).toBe(500);
      expect(await page.locator('[data-testid=tree-row]').count()).toBeLessThan(100);

      // Jumps across the run (a slider drag), then single steps with the arrow key.
      const targets = Array.from({ length: 30 }, (_, i) => Math.floor(((i * 7919) % 997) / 997 * last));
      const jumps: number[] = [];
      for (const t of targets) {
        const { ms, label } = await timeStepChange(page, t);
        expect(label).toBe(`step ${t} / ${last}`);
        jumps.push(ms);
      }
      const arrows: number[] = [];
      for (let i = 0; i < 30; i++) arrows.push((await timeKey(page, 'ArrowRight')).ms);
      const report = {
        agents: 500,
        steps: last,
        htmlMB: +(html.length / 1e6).toFixed(2),
        generateMs: Math.round(generateMs),
        loadMs: Math.round(loadMs),
        setupMs,
        jumpP50Ms: +percentile(jumps, 50).toFixed(1),
        jumpP95Ms: +percentile(jumps, 95).toFixed(1),
        arrowP50Ms: +percentile(arrows, 50).toFixed(1),
      };
      console.log('viewer 500x2000:', JSON.stringify(report));
      await page.close();
    });
  });
});
