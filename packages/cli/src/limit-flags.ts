/**
 * The limit flags every command that runs agents shares (`run`, `resume`, `serve`, `bench`…):
 * one definition of each flag, its parser (a bad value is a one-line usage error naming the flag,
 * exit 2) and its default shown in `--help` from core's `DEFAULT_LIMITS`, and one mapping to
 * core's `Limits` (seconds on the command line, ms in `Limits`).
 *
 * A new command calls `addLimitFlags(command)` and `limitsFromFlags(opts)`; a new limit is added
 * here once (docs/cli.md lists them).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_LIMITS, type Limits } from '@rlmtree/core';

/** The parsed limit flags (seconds for times, USD for cost). */
export interface LimitFlags {
  maxDepth?: number;
  maxIterations?: number;
  cellTimeout?: number;
  maxOutput?: number;
  maxTokens?: number;
  maxCost?: number;
  maxWallClock?: number;
  maxSubCalls?: number;
  maxSubCallsPerAgent?: number;
  maxSubCallTokens?: number;
  maxSubCallChars?: number;
  /** `--no-sub-calls` sets it false (commander's negatable flag): the RLM paper's "no sub-calls" ablation. */
  subCalls?: boolean;
}

/** A whole number ≥ `min`. @throws InvalidArgumentError (commander prints it as a usage error). */
export function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min) throw new InvalidArgumentError(`takes a whole number ≥ ${min}`);
    return Number(value);
  };
}

/** A finite number > 0 (decimals allowed). @throws InvalidArgumentError. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('takes a number > 0');
  return n;
}

const seconds = (ms: number | null) => (ms === null ? 'none' : `${ms / 1000}`);

/** The flags, in help order. `shown` is the default printed in `--help`: an absent flag leaves the run's own limit (a resumed run keeps the recorded one). */
const FLAGS: { flags: string; key: keyof LimitFlags; help: string; parse: (v: string) => number; shown: string }[] = [
  { flags: '--max-depth <n>', key: 'maxDepth', help: 'deepest level of delegated agents (root = 0)', parse: wholeNumber(0), shown: String(DEFAULT_LIMITS.maxDepth) },
  { flags: '--max-iterations <n>', key: 'maxIterations', help: 'model replies per agent', parse: wholeNumber(1), shown: String(DEFAULT_LIMITS.maxIterations) },
  { flags: '--cell-timeout <seconds>', key: 'cellTimeout', help: 'time one cell may run before it is interrupted', parse: positiveNumber, shown: seconds(DEFAULT_LIMITS.cellTimeoutMs) },
  { flags: '--max-output <chars>', key: 'maxOutput', help: "characters of a cell's output shown to the model", parse: wholeNumber(1), shown: String(DEFAULT_LIMITS.maxOutputChars) },
  { flags: '--max-tokens <n>', key: 'maxTokens', help: 'tokens the whole tree may use (sub-calls included)', parse: wholeNumber(1), shown: 'none' },
  { flags: '--max-cost <usd>', key: 'maxCost', help: 'USD the whole tree may spend', parse: positiveNumber, shown: 'none' },
  { flags: '--max-wall-clock <seconds>', key: 'maxWallClock', help: 'time the whole run may take', parse: positiveNumber, shown: 'none' },
  { flags: '--max-sub-calls <n>', key: 'maxSubCalls', help: 'sub-calls (llm_query prompts) the whole tree may send; cache hits are free (0 = --no-sub-calls)', parse: wholeNumber(0), shown: 'none' },
  { flags: '--max-sub-calls-per-agent <n>', key: 'maxSubCallsPerAgent', help: 'sub-calls one agent may send', parse: wholeNumber(1), shown: 'none' },
  { flags: '--max-sub-call-tokens <n>', key: 'maxSubCallTokens', help: "tokens the tree's sub-calls may spend in all", parse: wholeNumber(1), shown: 'none' },
  { flags: '--max-sub-call-chars <chars>', key: 'maxSubCallChars', help: "characters of one sub-call's prompt", parse: wholeNumber(1), shown: 'none' },
];

/** Adds every limit flag to `command`; `recorded`: absent flags keep the trace's limits (resume). @returns the command. */
export function addLimitFlags(command: Command, recorded = false): Command {
  for (const f of FLAGS) {
    // The default is in the text, not commander's default: an absent flag must stay undefined.
    command.addOption(new Option(f.flags, `${f.help} (default: ${recorded ? 'the recorded limit' : f.shown})`).argParser(f.parse));
  }
  command.addOption(new Option('--no-sub-calls', 'the RLM paper\'s "no sub-calls" ablation: llm_query and llm_query_batched left out of the REPL and the prompt (same as --max-sub-calls 0)'));
  return command;
}

/** The `Limits` the given flags set (only those given; times in ms). */
export function limitsFromFlags(opts: LimitFlags): Partial<Limits> {
  const limits: Partial<Limits> = {};
  if (opts.maxDepth !== undefined) limits.maxDepth = opts.maxDepth;
  if (opts.maxIterations !== undefined) limits.maxIterations = opts.maxIterations;
  if (opts.cellTimeout !== undefined) limits.cellTimeoutMs = Math.max(1, Math.round(opts.cellTimeout * 1000));
  if (opts.maxOutput !== undefined) limits.maxOutputChars = opts.maxOutput;
  if (opts.maxTokens !== undefined) limits.maxTotalTokens = opts.maxTokens;
  if (opts.maxCost !== undefined) limits.maxCostUsd = opts.maxCost;
  if (opts.maxWallClock !== undefined) limits.maxWallClockMs = Math.max(1, Math.round(opts.maxWallClock * 1000));
  if (opts.maxSubCalls !== undefined) limits.maxSubCalls = opts.maxSubCalls;
  if (opts.subCalls === false) limits.maxSubCalls = 0;
  if (opts.maxSubCallsPerAgent !== undefined) limits.maxSubCallsPerAgent = opts.maxSubCallsPerAgent;
  if (opts.maxSubCallTokens !== undefined) limits.maxSubCallTokens = opts.maxSubCallTokens;
  if (opts.maxSubCallChars !== undefined) limits.maxSubCallInputChars = opts.maxSubCallChars;
  return limits;
}
