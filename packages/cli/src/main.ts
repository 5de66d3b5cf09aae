/**
 * The `rlmtree` command line (commander). Every failure is one line on stderr, `rlmtree: …`,
 * with the exit code of the table in docs/cli.md; with `--json`, stdout also gets exactly one
 * JSON object (`JsonReport`) whatever happened.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.ts';
import { jsonFailure } from './drive.ts';
import { loadPlugins } from './plugins.ts';
import { registerRun } from './commands/run.ts';
import { registerView } from './commands/view.ts';
import { registerReplay } from './commands/replay.ts';
import { registerResume } from './commands/resume.ts';
import { registerServe } from './commands/serve.ts';
import { registerBench } from './commands/bench.ts';
import { registerWorker } from './commands/worker.ts';
import { registerSubmit } from './commands/submit.ts';
import { registerStatus } from './commands/status.ts';
import { registerResult } from './commands/result.ts';
import { registerChat } from './commands/chat.ts';

/** Each command lives in its own file under commands/ and adds itself to the program. */
const COMMANDS: ((cli: Command) => void)[] = [registerRun, registerChat, registerBench, registerServe, registerReplay, registerResume, registerView, registerWorker, registerSubmit, registerStatus, registerResult];

/** The exit codes (docs/cli.md has the same table). */
export const EXIT = { answered: 0, error: 1, usage: 2, noAnswer: 3, internal: 70, interrupted: 130 } as const;

/** This package's version (package.json sits one folder above both src/ and dist/). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Builds the command tree. Usage errors print one line naming the problem and where help is. */
export function program(): Command {
  const cli = new Command('rlmtree')
    .description('Recursive Language Model agents: long inputs live in a Python REPL, not in the prompt')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--plugin <module>', 'load a plugin (package name or file) that adds runtimes or model providers; repeatable, also $RLMTREE_PLUGINS', (m: string, all: string[]) => [...all, m], [] as string[])
    .exitOverride()
    .showSuggestionAfterError();
  // Plugins load before any command reads --runtime or --model (docs/extending.md).
  cli.hook('preAction', async (root) => loadPlugins((root.opts() as { plugin: string[] }).plugin));
  for (const register of COMMANDS) register(cli);
  const oneLine = (command: Command) => {
    command.exitOverride().configureOutput({
      outputError: (text, write) => write(`rlmtree: ${text.trim().replace(/^error: /, '').replace(/\n+/g, ' ')} (see: rlmtree ${command.name() === 'rlmtree' ? '' : `${command.name()} `}--help)\n`),
    });
    command.commands.forEach(oneLine);
  };
  oneLine(cli);
  return cli;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  process.exitCode = 0;
  const json = argv.includes('--json');
  const fail = (kind: string, message: string, code: number) => {
    if (json) process.stdout.write(`${JSON.stringify(jsonFailure(kind, message, code), null, 2)}\n`);
    return code;
  };
  try {
    await program().parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0; // --help, --version
      return fail('usage', err.message.replace(/^error: /, ''), EXIT.usage);
    }
    return reportFailure(err, fail);
  }
}

/** Errors about a recorded run (a damaged or foreign trace or checkpoint): the user's input, exit 1. */
const RECORD_ERRORS = new Set(['TraceFormatError', 'TraceReplayError', 'CheckpointCorruptError', 'CheckpointConflictError', 'ControlError', 'PluginError']);

/**
 * Every failure is one line on stderr (and with `--json` also one `JsonReport` on stdout): exit 1
 * for bad input or a bad record (`CliError` and the record errors), 70 (EX_SOFTWARE) for anything
 * else, which is a bug in rlmtree; `RLMTREE_DEBUG=1` adds its stack.
 */
function reportFailure(err: unknown, fail: (kind: string, message: string, code: number) => number): number {
  const e = err instanceof Error ? err : new Error(String(err));
  const input = e instanceof CliError || RECORD_ERRORS.has(e.name);
  const message = input ? e.message.split('\n')[0]! : `internal error (a bug in rlmtree, please report it): ${e.name}: ${describe(e)}`;
  process.stderr.write(`rlmtree: ${message}\n`);
  if (!input && process.env.RLMTREE_DEBUG) process.stderr.write(`${e.stack}\n`);
  return fail(input ? (e.name === 'CliError' ? 'input' : e.name) : 'internal', message, input ? EXIT.error : EXIT.internal);
}

/**
 * One line for an error: its message and the chain of causes that are errors (never a cause that
 * is a whole object such as a run state).
 */
export function describe(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 4 && e instanceof Error; i++, e = e.cause) {
    const line = e.message.split('\n')[0]!;
    if (!parts.some((p) => p.includes(line))) parts.push(line);
  }
  return parts.join(': ') || String(err);
}
