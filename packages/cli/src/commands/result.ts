/**
 * `rlmtree result --postgres <url> <run-id>`: the answer of a run submitted to the queue (stdout),
 * its usage on stderr. Exit 0 answered, 3 ended without an answer, 4 not finished yet (without `--wait`).
 */
import { Option, type Command } from 'commander';
import type { RunRecord } from '@rlmtree/postgres';
import { CliError } from '../errors.ts';
import { openQueue, postgresOptions, type PostgresCliOptions } from '../postgres.ts';

/** Prints a finished run's answer (or JSON of its row); returns 0, or 3 when it ended without an answer. */
export function printResult(run: RunRecord, json: boolean): number {
  if (json) process.stdout.write(`${JSON.stringify(run)}\n`);
  else if (!run.error) process.stdout.write(`${typeof run.result === 'string' ? run.result : JSON.stringify(run.result)}\n`);
  if (run.error) {
    process.stderr.write(`rlmtree: run ${run.runId} ended without an answer: ${run.error.kind}: ${run.error.message}\n`);
    return 3;
  }
  return 0;
}

/** Options of `rlmtree result`, as parsed. */
export interface ResultCommandOptions extends PostgresCliOptions {
  wait?: boolean;
  timeout?: number;
  json?: boolean;
}

/** Runs the command; returns the exit code. */
export async function resultCommand(runId: string, opts: ResultCommandOptions): Promise<number> {
  const queue = await openQueue(opts);
  try {
    let run: RunRecord;
    if (opts.wait) {
      run = await queue.result(runId, opts.timeout === undefined ? {} : { timeoutMs: opts.timeout * 1000 }).catch((err: Error) => {
        throw new CliError(err.message);
      });
    } else {
      const [row] = await queue.status([runId]);
      if (!row) throw new CliError(`no run ${JSON.stringify(runId)} was submitted`);
      if (row.status !== 'finished') {
        process.stderr.write(`rlmtree: run ${runId} is ${row.status} (step ${row.step}); pass --wait to wait for it\n`);
        return 4;
      }
      run = row;
    }
    return printResult(run, opts.json ?? false);
  } finally {
    await queue.close();
  }
}

/** Adds `result` to the program. */
export function registerResult(cli: Command): void {
  postgresOptions(
    cli
      .command('result')
      .description('print the answer of a run submitted to the PostgreSQL queue')
      .argument('<run-id>', 'the run id `submit` printed')
      .option('--wait', 'wait until the run has finished')
      .addOption(new Option('--timeout <seconds>', 'with --wait: give up after this long').argParser(Number))
      .option('--json', 'print the run\'s row as JSON'),
  ).action(async (runId: string, opts) => {
    process.exitCode = await resultCommand(runId, opts);
  });
}
