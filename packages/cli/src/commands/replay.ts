/** `rlmtree replay <trace> [--step N]`: the agent tree at each recorded step, with no model and no runtime. */
import type { Command } from 'commander';
import { renderTree, totalUsage } from '@rlmtree/core';
import { CliError } from '../errors.ts';
import { loadStates } from '../trace-file.ts';
import { wholeNumber } from '../limit-flags.ts';

/** Options of `rlmtree replay`. */
export interface ReplayCommandOptions {
  /** Print only this step (default: every step). */
  step?: number;
}

/** Prints the tree at one or every step of a trace to stdout; returns the exit code. */
export async function replayCommand(path: string, opts: ReplayCommandOptions): Promise<number> {
  const { states } = await loadStates(path);
  const first = states[0]!.step;
  const last = states.at(-1)!.step;
  if (opts.step !== undefined && (opts.step < first || opts.step > last)) {
    throw new CliError(`--step ${opts.step}: trace ${path} holds steps ${first}..${last}`);
  }
  const shown = opts.step === undefined ? states : [states[opts.step - first]!];
  const out = shown.map((s) => {
    const u = totalUsage(s);
    return `── step ${s.step} · ${Object.keys(s.nodes).length} agents · ${u.llmCalls} LLM calls · ${u.inputTokens + u.outputTokens} tokens\n${renderTree(s)}\n`;
  });
  process.stdout.write(out.join('\n'));
  return 0;
}

/** Adds `replay` to the program. */
export function registerReplay(cli: Command): void {
  cli
    .command('replay')
    .description('print the agent tree at every step of a trace (or one with --step), rebuilt from its events')
    .argument('<trace>', 'a JSONL trace written by run --trace')
    .option('--step <n>', 'print only step N', wholeNumber(0))
    .action(async (path: string, opts) => {
      process.exitCode = await replayCommand(path, opts);
    });
}
