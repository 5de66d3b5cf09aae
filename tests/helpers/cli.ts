/** Runs the `rlmtree` command as a child process, for the CLI's end-to-end tests. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** The repository's root folder. */
export const ROOT = join(import.meta.dirname, '../..');
/** The command's entry point. */
export const BIN = join(ROOT, 'packages/cli/bin/rlmtree.js');

/** What a run of the command gave. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `rlmtree <args>` from the repository root (or `cwd`); `input` is written to its stdin. Never rejects. */
export function runCli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}
