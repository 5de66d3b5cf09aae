/**
 * `--runtime <name>[=<arg>]`: which runtime hosts the REPLs (built-ins in builtins.ts, more from
 * plugins), the option that lists them, and making one that is ready before any model call.
 */
import { Option, type Command } from 'commander';
import type { Runtime } from '@rlmtree/core';
import { CliError } from './errors.ts';
import { fromRegistry, registry } from './plugins.ts';

/** @throws CliError for an unknown runtime name, listing the known ones. */
export function runtimeFromSpec(spec: string): Promise<Runtime> {
  return fromRegistry(() => registry.runtime(spec));
}

/**
 * Makes the runtime (the built-ins check their prerequisites first: runtime-checks.ts) and waits
 * until it can open a REPL when it has `ready()` (Jupyter's server start), so a missing part is
 * reported before any model call is paid for. @throws CliError naming the runtime and the cause.
 */
export async function checkedRuntime(spec: string): Promise<Runtime> {
  const runtime = await runtimeFromSpec(spec);
  const ready = (runtime as { ready?: () => Promise<unknown> }).ready;
  if (ready) {
    try {
      await ready.call(runtime);
    } catch (err) {
      await runtime.close().catch(() => {});
      throw new CliError(`runtime ${spec.split('=')[0]} is not ready: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return runtime;
}

/** The `--runtime` option, listing every known runtime; `recorded`: its default is the trace's (resume). */
export function addRuntimeFlag(command: Command, recorded = false): Command {
  const list = registry
    .runtimeList()
    .map((r) => `${r.name}${r.description ? ` (${r.description})` : ''}`)
    .join(', ');
  const option = new Option('--runtime <name>', `where agent code runs${recorded ? ' (default: the one recorded in the trace)' : ''}: ${list}, or a plugin's`);
  return command.addOption(recorded ? option : option.default('subprocess'));
}
