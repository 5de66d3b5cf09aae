/**
 * One self-contained HTML file for a run: the page script (Preact + htm, bundled by esbuild when
 * the first file is generated, then cached for the process), its CSS and the run's data inline.
 * No network, no server: it opens from `file://`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { RunEvent, RunState } from '@rlmtree/core';
import { buildViewerData, type BuildOptions, type ViewerData } from './data.ts';

let assets: Promise<{ js: string; css: string }> | undefined;

/**
 * The folder of the page's script and CSS: beside this module when it is where the package put
 * it, else found through the installed package (`@rlmtree/viewer/package.json`), so a bundle
 * that moved this code elsewhere still finds it (docs/packaging.md).
 */
function pageDir(): string {
  const beside = join(dirname(fileURLToPath(import.meta.url)), 'page');
  if (existsSync(join(beside, 'style.css'))) return beside;
  return join(dirname(createRequire(import.meta.url).resolve('@rlmtree/viewer/package.json')), 'dist', 'page');
}

/** The bundled page script and its CSS (built once per process). @throws Error when esbuild fails. */
export function pageAssets(): Promise<{ js: string; css: string }> {
  assets ??= (async () => {
    const dir = pageDir();
    // The sources bundle page/app.ts; the built package (dist/) bundles its compiled page/app.js.
    const entry = existsSync(join(dir, 'app.ts')) ? join(dir, 'app.ts') : join(dir, 'app.js');
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
    });
    const css = await readFile(join(dir, 'style.css'), 'utf8');
    return { js: out.outputFiles[0]!.text, css };
  })();
  return assets;
}

/** Text safe inside `<script>`: no `</script`, no `<!--` (JSON and JS keep their meaning). */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Escapes text for an HTML element's content. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** The HTML page for already-built viewer data. */
export async function renderViewerHtml(data: ViewerData): Promise<string> {
  const { js, css } = await pageAssets();
  // In JSON, '<' only occurs inside strings, where \u003c means the same character.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>rlmtree · ${escapeHtml(data.title.slice(0, 80))}</title>
<style>${css}</style></head>
<body><div id="app"></div>
<script type="application/json" id="rlmtree-data">${json}</script>
<script>${scriptSafe(js)}</script>
</body></html>
`;
}

/** What `viewerHtml` needs: the run's states in order (`states[0]` the first) and, optionally, each step's events. */
export interface ViewerInput extends BuildOptions {
  states: readonly RunState[];
  events?: readonly (readonly RunEvent[])[];
}

/**
 * The self-contained HTML file for a run's states (e.g. `replay(readTrace(path))`, or the states
 * `Engine.runFrom`'s `onStep` saw).
 * @throws Error when `states` is empty or mixes runs (see `buildViewerData`), or the page bundle fails.
 */
export async function viewerHtml(input: ViewerInput): Promise<string> {
  return renderViewerHtml(buildViewerData(input.states, input));
}
