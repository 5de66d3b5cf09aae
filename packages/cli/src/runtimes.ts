/** `--runtime <name>[=<arg>]`: which runtime hosts the REPLs. */
import type { Runtime } from '@rlmtree/core';
import { DockerRuntime, SubprocessRuntime } from '@rlmtree/runtime-python';
import { JupyterRuntime } from '@rlmtree/runtime-jupyter';
import { CliError } from './errors.ts';

/** Makes a runtime from the part after `name=` (empty when absent). */
export type RuntimeFactory = (arg: string) => Runtime | Promise<Runtime>;

const runtimes = new Map<string, RuntimeFactory>([
  ['subprocess', () => new SubprocessRuntime()],
  // `docker=<image>`; without one, $RLMTREE_DOCKER_IMAGE or rlmtree-python:latest (docs/docker-runtime.md).
  ['docker', (image) => new DockerRuntime(image ? { image } : {})],
  // `jupyter` starts a local jupyter server; `jupyter=<url>` uses a running one, token from $JUPYTER_TOKEN (docs/jupyter.md).
  ['jupyter', (url) => new JupyterRuntime(url ? { url } : {})],
]);

/** Adds (or replaces) a runtime for `--runtime <name>[=<arg>]`. */
export function registerRuntime(name: string, factory: RuntimeFactory): void {
  runtimes.set(name, factory);
}

/** @throws CliError for an unknown runtime name. */
export async function runtimeFromSpec(spec: string): Promise<Runtime> {
  const eq = spec.indexOf('=');
  const name = eq < 0 ? spec : spec.slice(0, eq);
  const arg = eq < 0 ? '' : spec.slice(eq + 1);
  const factory = runtimes.get(name);
  if (!factory) throw new CliError(`unknown runtime ${JSON.stringify(name)} (runtimes: ${[...runtimes.keys()].join(', ')})`);
  return factory(arg);
}
