/** `rlmtree view <trace> [-o run.html] [--open]`: a trace as one self-contained HTML page. */
import { writeFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import { loadStates } from '../trace-file.ts';

/** Options of `rlmtree view`. */
export interface ViewCommandOptions {
  /** Where to write the page (default: the trace's name with `.html`). */
  output?: string;
  /** Open the page in the default browser once written. */
  open?: boolean;
}

/** The default page path for a trace: `run.jsonl` -> `run.html`, next to it. */
export function defaultHtmlPath(trace: string): string {
  const ext = extname(trace);
  return resolve(trace.slice(0, trace.length - ext.length) + '.html');
}

/**
 * Writes the viewer page for a trace; prints its path and size to stderr. Returns the exit code.
 * @throws CliError when the trace cannot be read or replayed, or the page cannot be written.
 */
export async function viewCommand(path: string, opts: ViewCommandOptions): Promise<number> {
  const { trace, states } = await loadStates(path);
  const { viewerHtml } = await import('@rlmtree/viewer');
  const html = await viewerHtml({ states, events: trace.steps.map((s) => s.events) });
  const out = opts.output ? resolve(opts.output) : defaultHtmlPath(path);
  try {
    await writeFile(out, html);
  } catch (err) {
    throw new CliError(`cannot write ${out}: ${(err as Error).message}`);
  }
  process.stderr.write(`wrote ${out} (${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB, ${states.length - 1} steps, ${Object.keys(states.at(-1)!.nodes).length} agents) for ${basename(path)}\n`);
  if (opts.open) {
    const problem = await openInBrowser(out);
    if (problem) process.stderr.write(`rlmtree: could not open a browser (${problem}); open ${out} yourself\n`);
  }
  return 0;
}

/** How long the opener (xdg-open, open, start) may take to fail before it counts as having worked (ms). */
const OPENER_GRACE_MS = 5000;

/**
 * Opens `file` with the `open` package and waits for the opener's verdict: it exits non-zero at
 * once when there is no browser (xdg-open: "no method available"). @returns why it failed, or
 * undefined when it worked (or is still running after OPENER_GRACE_MS: a browser it started).
 */
export async function openInBrowser(file: string): Promise<string | undefined> {
  const { default: open } = await import('open');
  try {
    const child = await open(file);
    child.ref(); // `open` unrefs the opener; its verdict is awaited here (bounded by the timer)
    return await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => {
        child.unref(); // a browser it became: leave it running
        resolve(undefined);
      }, OPENER_GRACE_MS);
      child.once('error', (err) => {
        clearTimeout(timer);
        resolve(err.message);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code === 0 ? undefined : `${child.spawnfile} exited with code ${code}: no browser or desktop to open it with`);
      });
    });
  } catch (err) {
    return (err as Error).message;
  }
}

/** Adds `view` to the program. */
export function registerView(cli: Command): void {
  cli
    .command('view')
    .description('write a trace as one self-contained HTML page: the agent tree at each step, a step slider, each agent\'s messages, code and outputs')
    .argument('<trace>', 'a JSONL trace written by run --trace')
    .option('-o, --output <file>', 'the HTML file to write (default: the trace\'s name with .html)')
    .option('--open', 'open the page in the default browser')
    .action(async (path: string, opts) => {
      process.exitCode = await viewCommand(path, opts);
    });
}
