/**
 * The sub-call cache flags of the commands that run agents (`run`, `resume`, `serve`): by default
 * an in-run LRU cache answers a repeated identical sub-call for free; `--cache <file>` keeps the
 * replies in a SQLite file across runs (keyed by provider, model, prompt and parameters; 30-day
 * expiry, size-bounded); `--no-cache` sends every sub-call. Hits are recorded in the trace, so a
 * replay or resume answers from the record, never from the cache (docs/cost-control.md).
 */
import { Option, type Command } from 'commander';
import { MemorySubCallCache, SqliteSubCallCache, type SubCallCache } from '@rlmtree/core';
import { CliError } from './errors.ts';

/** The parsed cache flags: `cache` is the file, or false for `--no-cache`, or undefined (in-run cache). */
export interface CacheFlags {
  cache?: string | boolean;
}

/** Adds `--cache <file>` and `--no-cache` to `command`. @returns the command. */
export function addCacheFlags(command: Command): Command {
  command.addOption(new Option('--cache <file>', 'keep sub-call replies in this SQLite file across runs (default: an in-run cache only)'));
  command.addOption(new Option('--no-cache', 'send every sub-call, even a repeated identical one'));
  return command;
}

/**
 * The sub-call cache the flags ask for (undefined for `--no-cache`).
 * @throws CliError naming the file when it cannot be opened as a cache.
 */
export async function subCallCacheFromFlags(opts: CacheFlags): Promise<SubCallCache | undefined> {
  if (opts.cache === false) return undefined;
  if (typeof opts.cache === 'string') {
    try {
      return await SqliteSubCallCache.open(opts.cache);
    } catch (err) {
      throw new CliError(`--cache: ${(err as Error).message}`);
    }
  }
  return new MemorySubCallCache();
}
