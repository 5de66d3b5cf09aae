/**
 * `rlmtree submit --postgres <url> "<query>" --context <path>` or `--tasks <file.jsonl>`: puts runs
 * on the PostgreSQL queue for workers and prints their run ids, one a line (`--wait`: waits and
 * prints each answer instead).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { LimitsSchema } from '@rlmtree/core';
import type { RunTask } from '@rlmtree/postgres';
import { loadContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { openQueue, postgresOptions, type PostgresCliOptions } from '../postgres.ts';
import { printResult } from './result.ts';

/** One line of a `--tasks` file. */
const TaskLineSchema = z
  .object({
    query: z.string().min(1),
    /** The context itself (a text, or a list of documents)… */
    context: z.union([z.string(), z.array(z.string())]).optional(),
    /** …or a file or folder to read it from (relative to the working folder). */
    contextFile: z.string().optional(),
    runId: z.string().min(1).optional(),
    limits: LimitsSchema.partial().optional(),
  })
  .strict()
  .refine((t) => (t.context === undefined) !== (t.contextFile === undefined), { message: 'give exactly one of context and contextFile' });

/** Reads a JSONL tasks file. @throws CliError naming the file, line and field. */
export async function readTasks(file: string): Promise<RunTask[]> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new CliError(`tasks ${file}: no such file`);
  });
  const tasks: RunTask[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new CliError(`tasks ${file} line ${i + 1}: not JSON (${(err as Error).message})`);
    }
    const parsed = TaskLineSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CliError(`tasks ${file} line ${i + 1}${issue.path.length ? `, ${issue.path.join('.')}` : ''}: ${issue.message}`);
    }
    const t = parsed.data;
    const context = t.context ?? (await loadContext(t.contextFile!));
    tasks.push({ query: t.query, context, ...(t.runId ? { runId: t.runId } : {}), ...(t.limits ? { limits: t.limits } : {}) });
  }
  if (tasks.length === 0) throw new CliError(`tasks ${file}: no tasks in it`);
  return tasks;
}

/** Options of `rlmtree submit`, as parsed. */
export interface SubmitCommandOptions extends PostgresCliOptions {
  context?: string;
  tasks?: string;
  runId?: string;
  wait?: boolean;
  json?: boolean;
}

/** Runs the command; returns the exit code. */
export async function submitCommand(query: string | undefined, opts: SubmitCommandOptions): Promise<number> {
  let tasks: RunTask[];
  if (opts.tasks) {
    if (query !== undefined || opts.context) throw new CliError('submit: give either a query with --context, or --tasks <file.jsonl>, not both');
    tasks = await readTasks(opts.tasks);
  } else {
    if (query === undefined || !opts.context) throw new CliError('submit: give a query and --context <path>, or --tasks <file.jsonl>');
    tasks = [{ query, context: await loadContext(opts.context), ...(opts.runId ? { runId: opts.runId } : {}) }];
  }
  const queue = await openQueue(opts);
  try {
    const ids = await queue.submit(tasks).catch((err: Error) => {
      throw new CliError(`submit: ${err.message}`);
    });
    process.stderr.write(`submitted ${ids.length} run${ids.length === 1 ? '' : 's'}\n`);
    if (!opts.wait) {
      process.stdout.write(opts.json ? `${JSON.stringify(ids)}\n` : ids.map((id) => `${id}\n`).join(''));
      return 0;
    }
    let code = 0;
    for (const id of ids) code = Math.max(code, printResult(await queue.result(id), opts.json ?? false));
    return code;
  } finally {
    await queue.close();
  }
}

/** Adds `submit` to the program. */
export function registerSubmit(cli: Command): void {
  postgresOptions(
    cli
      .command('submit')
      .description('put runs on the PostgreSQL queue for workers; prints their run ids')
      .argument('[query]', 'the question (with --context)')
      .option('-c, --context <path>', 'a file (one text), a folder (one document per file) or - (stdin)')
      .option('--tasks <file>', 'a JSONL file, one task a line: {"query", "context" or "contextFile", "runId"?, "limits"?}')
      .option('--run-id <id>', 'the run id of a single run (default: a random UUID)')
      .option('--wait', 'wait for the runs to finish and print their answers')
      .option('--json', 'print JSON'),
  ).action(async (query: string | undefined, opts) => {
    process.exitCode = await submitCommand(query, opts);
  });
}
