/** The `rlmtree` command line (commander). */
import { Command, CommanderError, Option } from 'commander';
import { CliError } from './errors.ts';
import { intOption, runCommand } from './commands/run.ts';

/** Builds the command tree. */
export function program(): Command {
  const cli = new Command('rlmtree')
    .description('Recursive Language Model agents: long inputs live in a Python REPL, not in the prompt')
    .exitOverride()
    .showHelpAfterError();
  cli
    .command('run')
    .description('answer a query over a long context with an RLM; the answer goes to stdout, progress to stderr')
    .argument('<query>', 'the question')
    .requiredOption('-c, --context <path>', 'a file (one text), a folder (one document per file) or - (stdin)')
    .requiredOption('-m, --model <spec>', 'root model: scripted:<file>, openai:<model>, anthropic:<model>')
    .option('--sub-model <spec>', 'model for llm_query sub-calls and child agents (default: --model)')
    .option('--runtime <name>', 'where agent code runs: subprocess', 'subprocess')
    .option('--max-depth <n>', 'deepest level of delegated agents (root = 0)', intOption('--max-depth'))
    .option('--max-iterations <n>', 'model replies per agent', intOption('--max-iterations'))
    .addOption(new Option('--cell-timeout <seconds>', 'time one cell may run').argParser(Number))
    .option('--json', 'print the answer, usage and run facts as JSON')
    .option('--no-live', 'plain progress lines even on a terminal')
    .action(async (query: string, opts) => {
      process.exitCode = await runCommand(query, opts);
    });
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
    if (err instanceof CliError) {
      process.stderr.write(`rlmtree: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
