/** The `rlmtree` command line (commander). */
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.ts';
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

/** Builds the command tree. */
export function program(): Command {
  const cli = new Command('rlmtree')
    .description('Recursive Language Model agents: long inputs live in a Python REPL, not in the prompt')
    .option('--plugin <module>', 'load a plugin (package name or file) that adds runtimes or model providers; repeatable, also $RLMTREE_PLUGINS', (m: string, all: string[]) => [...all, m], [] as string[])
    .exitOverride()
    .showHelpAfterError();
  // Plugins load before any command reads --runtime or --model (docs/extending.md).
  cli.hook('preAction', async (root) => loadPlugins((root.opts() as { plugin: string[] }).plugin));
  for (const register of COMMANDS) register(cli);
  return cli;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  process.exitCode = 0;
  try {
    await program().parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    return reportFailure(err, argv.includes('--json'));
  }
}

/** Errors about a recorded run (a damaged or foreign trace or checkpoint): the user's input, exit 1. */
const RECORD_ERRORS = new Set(['TraceFormatError', 'TraceReplayError', 'CheckpointCorruptError', 'CheckpointConflictError', 'ControlError', 'PluginError']);

/**
 * Every failure is one line on stderr (and with `--json` also `{"error": {kind, message}}` on
 * stdout): exit 1 for bad input or a bad record (`CliError` and the record errors), 70 (EX_SOFTWARE)
 * for anything else, which is a bug in rlmtree; `RLMTREE_DEBUG=1` adds its stack.
 */
function reportFailure(err: unknown, json: boolean): number {
  const e = err instanceof Error ? err : new Error(String(err));
  const input = e instanceof CliError || RECORD_ERRORS.has(e.name);
  const message = (input ? e.message : `internal error (a bug in rlmtree, please report it): ${e.name}: ${e.message}`).split('\n')[0]!;
  process.stderr.write(`rlmtree: ${message}\n`);
  if (!input && process.env.RLMTREE_DEBUG) process.stderr.write(`${e.stack}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ error: { kind: input ? (e.name === 'CliError' ? 'input' : e.name) : 'internal', message } })}\n`);
  return input ? 1 : 70;
}
