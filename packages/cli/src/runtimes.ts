/** `--runtime <name>[=<arg>]`: which runtime hosts the REPLs (built-ins in builtins.ts, more from plugins). */
import type { Runtime } from '@rlmtree/core';
import { fromRegistry, registry } from './plugins.ts';

/** @throws CliError for an unknown runtime name, listing the known ones. */
export function runtimeFromSpec(spec: string): Promise<Runtime> {
  return fromRegistry(() => registry.runtime(spec));
}
