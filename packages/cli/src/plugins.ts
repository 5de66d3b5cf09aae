/**
 * The CLI's plugin registry: the built-ins, then every plugin named by `--plugin <module>` (any
 * number) and `$RLMTREE_PLUGINS` (comma-separated), in that order. A module is a package name,
 * resolved from the current directory's node_modules (so a plugin installed in the user's
 * project is found even when rlmtree is installed elsewhere), or a path to a file.
 */
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginError, PluginRegistry, type RlmtreePlugin } from '@rlmtree/core';
import { builtins } from './builtins.ts';
import { CliError } from './errors.ts';

/** The registry `--runtime` and `--model` specs are served from. */
export const registry = new PluginRegistry().add(builtins);

const loaded = new Set<string>();

/** Where `module` is: a path (has a `/` or starts with `.`) or a package found from `cwd`. */
function locate(module: string, cwd: string): string {
  if (module.startsWith('.') || isAbsolute(module)) return pathToFileURL(resolve(cwd, module)).href;
  try {
    return pathToFileURL(createRequire(join(cwd, 'package.json')).resolve(module)).href;
  } catch {
    return module; // an ESM-only package without a require condition: let import() resolve it
  }
}

/**
 * Imports one plugin module and adds its default export to `registry` (once per module).
 * @throws CliError naming the module when it cannot be imported or is not a plugin.
 */
export async function loadPlugin(module: string, cwd = process.cwd()): Promise<void> {
  if (loaded.has(module)) return;
  let exported: { default?: RlmtreePlugin };
  try {
    exported = (await import(locate(module, cwd))) as { default?: RlmtreePlugin };
  } catch (err) {
    throw new CliError(`plugin ${module}: cannot load: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    registry.add(exported.default as RlmtreePlugin, module);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  loaded.add(module);
}

/** Loads `--plugin` modules, then `$RLMTREE_PLUGINS`. @throws CliError like `loadPlugin`. */
export async function loadPlugins(flags: readonly string[], env = process.env.RLMTREE_PLUGINS): Promise<void> {
  const fromEnv = (env ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const module of [...flags, ...fromEnv]) await loadPlugin(module);
}

/** Runs `make`, turning a registry's `PluginError` into a `CliError` (exit 1, message only). */
export async function fromRegistry<T>(make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (err) {
    if (err instanceof PluginError) throw new CliError(err.message);
    throw err;
  }
}
