/**
 * `rlmtree worker --postgres <url> --model <spec>`: takes runs from the PostgreSQL queue and
 * advances them step by step, writing each step before the next. SIGTERM / SIGINT: graceful
 * shutdown (each run in hand finishes its step and goes back to the queue); a second signal exits
 * at once (those runs continue elsewhere from their last written step). See docs/distributed.md.
 */
import type { Command } from 'commander';
import type { Worker } from '@rlmtree/postgres';
import { modelFromSpec } from '../models.ts';
import { runtimeFromSpec } from '../runtimes.ts';
import { postgresError, postgresOptions, postgresUrl, type PostgresCliOptions } from '../postgres.ts';
import { wholeNumber } from '../limit-flags.ts';

/** Options of `rlmtree worker`, as parsed. */
export interface WorkerCommandOptions extends PostgresCliOptions {
  model: string;
  subModel?: string;
  runtime: string;
  concurrency: number;
  stepConcurrency?: number;
  lease?: number;
  quiet?: boolean;
}

/** Runs a worker until a signal stops it; returns the exit code. */
export async function workerCommand(opts: WorkerCommandOptions): Promise<number> {
  const url = postgresUrl(opts);
  const llm = await modelFromSpec(opts.model);
  const subModel = opts.subModel ? await modelFromSpec(opts.subModel) : undefined;
  const runtime = await runtimeFromSpec(opts.runtime);
  const log = opts.quiet ? undefined : (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  let worker: Worker;
  try {
    const { Worker } = await import('@rlmtree/postgres');
    worker = await Worker.start(url, {
      llm,
      ...(subModel ? { subModel } : {}),
      runtime,
      concurrency: opts.concurrency,
      ...(opts.stepConcurrency ? { stepConcurrency: opts.stepConcurrency } : {}),
      ...(opts.lease ? { leaseSeconds: opts.lease } : {}),
      ...(opts.schema ? { schema: opts.schema } : {}),
      ...(log ? { log } : {}),
    });
  } catch (err) {
    await runtime.close();
    throw postgresError(err);
  }
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (name: string) => {
      signals += 1;
      if (signals > 1) {
        process.stderr.write(`rlmtree worker: ${name} again, exiting now\n`);
        process.exit(130);
      }
      process.stderr.write(`rlmtree worker: ${name}: finishing the current steps and handing runs back\n`);
      resolve();
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
  await worker.stop({ graceful: true });
  await runtime.close();
  const s = worker.stats;
  const per = (ms: number) => (s.steps ? (ms / s.steps).toFixed(1) : '0');
  process.stderr.write(`rlmtree worker: stopped; ${s.steps} steps written, ${s.finished} runs finished, ${s.handedBack} handed back (per step: ${per(s.stepMs)} ms stepping, ${per(s.writeMs)} ms writing)\n`);
  return 0;
}

/** Adds `worker` to the program. */
export function registerWorker(cli: Command): void {
  postgresOptions(
    cli
      .command('worker')
      .description('advance runs from a PostgreSQL queue, step by step (start as many as you like, on any machine)')
      .requiredOption('-m, --model <spec>', 'root model: scripted:<file>, openai:<model>, anthropic:<model>')
      .option('--sub-model <spec>', 'model for llm_query sub-calls and child agents (default: --model)')
      .option('--runtime <name>', 'where agent code runs: subprocess, docker, jupyter', 'subprocess')
      .option('--concurrency <n>', 'runs advanced at once by this worker', wholeNumber(0), 2)
      .option('--step-concurrency <n>', 'model calls and cells at once within one run\'s step (default 8)', wholeNumber(0))
      .option('--lease <seconds>', 'how long a run stays claimed without a heartbeat (>= 10)', wholeNumber(0))
      .option('-q, --quiet', 'no progress lines on stderr'),
  ).action(async (opts) => {
    process.exitCode = await workerCommand(opts);
  });
}
