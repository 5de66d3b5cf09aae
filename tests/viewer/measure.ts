/// <reference lib="dom" />
/** Timing a viewer page in the browser: page load, and step changes as the user makes them. */
import type { Page } from 'playwright-core';

/** Opens `url` and waits for the viewer to mount; returns wall ms from navigation to mounted and the page's own setup ms. */
export async function openViewer(page: Page, url: string): Promise<{ loadMs: number; setupMs: number }> {
  const t0 = performance.now();
  await page.goto(url);
  await page.waitForSelector('body[data-ready]', { timeout: 120_000 });
  const loadMs = performance.now() - t0;
  const setupMs = Number(await page.getAttribute('body', 'data-ready'));
  return { loadMs, setupMs };
}

/**
 * Moves the slider to `target` (as an input event, the way a drag does) and returns the ms until
 * the new step is rendered and a frame has been painted, measured inside the page, and the step label then shown.
 */
export async function timeStepChange(page: Page, target: number): Promise<{ ms: number; label: string }> {
  return page.evaluate(async (to) => {
    const slider = document.querySelector<HTMLInputElement>('[data-testid=step-slider]')!;
    const t0 = performance.now();
    slider.value = String(to);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    return { ms: performance.now() - t0, label: document.querySelector('[data-testid=step-label]')!.textContent ?? '' };
  }, target);
}

/** Presses a key and returns the ms until the page has rendered and painted, and the step label. */
export async function timeKey(page: Page, key: string): Promise<{ ms: number; label: string }> {
  return page.evaluate(async (k) => {
    const t0 = performance.now();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
    await new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    return { ms: performance.now() - t0, label: document.querySelector('[data-testid=step-label]')!.textContent ?? '' };
  }, key);
}

/** The p-th percentile (0..100) of `xs`, nearest-rank. */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
