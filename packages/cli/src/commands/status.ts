/** `rlmtree status --postgres <url> [run-id...]`: how the queue's runs are doing. */
import type { Command } from 'commander';
import { preview } from '@rlmtree/core';
import type { RunRecord } from '@rlmtree/postgres';
import { openQueue, postgresOptions, type PostgresCliOptions } from '../postgres.ts';
import { wholeNumber } from '../limit-flags.ts';

/** One line per run: id, status, step, attempts, worker, answer. */
export function statusLine(r: RunRecord): string {
  const answer = r.status !== 'finished' ? '' : r.error ? `no answer: ${r.error.kind}` : preview(r.result, 60);
  return [r.runId, r.status, `step ${r.step}`, `attempts ${r.attempts}`, r.worker ?? '-', answer].join('  ');
}

/** Options of `rlmtree status`, as parsed. */
export interface StatusCommandOptions extends PostgresCliOptions {
  limit: number;
  json?: boolean;
}

/** Runs the command; returns the exit code (1 when a named run is unknown). */
export async function statusCommand(runIds: string[], opts: StatusCommandOptions): Promise<number> {
  const queue = await openQueue(opts);
  try {
    const counts = await queue.counts();
    const runs = await queue.status(runIds.length ? runIds : undefined, opts.limit);
    if (opts.json) process.stdout.write(`${JSON.stringify({ counts, runs })}\n`);
    else {
      process.stdout.write(`queued ${counts.queued}, running ${counts.running}, finished ${counts.finished}\n`);
      for (const r of runs) process.stdout.write(`${statusLine(r)}\n`);
    }
    const unknown = runIds.filter((id) => !runs.some((r) => r.runId === id));
    for (const id of unknown) process.stderr.write(`rlmtree: no run ${JSON.stringify(id)} was submitted\n`);
    return unknown.length ? 1 : 0;
  } finally {
    await queue.close();
  }
}

/** Adds `status` to the program. */
export function registerStatus(cli: Command): void {
  postgresOptions(
    cli
      .command('status')
      .description('show the runs on the PostgreSQL queue (all, newest first, or the ones named)')
      .argument('[run-id...]', 'runs to show (default: the latest --limit runs)')
      .option('--limit <n>', 'runs listed when none is named', wholeNumber(0), 50)
      .option('--json', 'print JSON'),
  ).action(async (runIds: string[], opts) => {
    process.exitCode = await statusCommand(runIds, opts);
  });
}
