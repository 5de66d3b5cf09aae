/** `rlmtree view <trace> [-o run.html] [--open]`: a trace as one self-contained HTML page. */
import { writeFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { viewerHtml } from '@rlmtree/viewer';
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
  const html = await viewerHtml({ states, events: trace.steps.map((s) => s.events) });
  const out = opts.output ? resolve(opts.output) : defaultHtmlPath(path);
  try {
    await writeFile(out, html);
  } catch (err) {
    throw new CliError(`cannot write ${out}: ${(err as Error).message}`);
  }
  process.stderr.write(`wrote ${out} (${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB, ${states.length - 1} steps, ${Object.keys(states.at(-1)!.nodes).length} agents) for ${basename(path)}\n`);
  if (opts.open) {
    const { default: open } = await import('open');
    await open(out).catch((err: Error) => process.stderr.write(`rlmtree: could not open a browser (${err.message}); open ${out} yourself\n`));
  }
  return 0;
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
