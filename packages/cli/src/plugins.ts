/**
 * The CLI's plugin registry: the built-ins, then every plugin named in the current directory's
 * package.json (`"rlmtree": { "plugins": [...] }`), by `$RLMTREE_PLUGINS` (comma-separated) and
 * by `--plugin <module>` (any number), in that order, so a later one replaces an earlier one of
 * the same name. A module is a package name, resolved from the current directory's node_modules
 * (so a plugin installed in the user's project is found even when rlmtree is installed
 * elsewhere), or a path to a file (relative to the current directory).
 */
import { readFileSync } from 'node:fs';
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

/**
 * The plugins the project in `cwd` names in its package.json (`rlmtree.plugins`), none without one.
 * @throws CliError when the field is there but not a list of strings, or package.json is not JSON.
 */
export function projectPlugins(cwd = process.cwd()): string[] {
  let text: string;
  try {
    text = readFileSync(join(cwd, 'package.json'), 'utf8');
  } catch {
    return [];
  }
  let field: unknown;
  try {
    field = (JSON.parse(text) as { rlmtree?: { plugins?: unknown } }).rlmtree?.plugins;
  } catch (err) {
    throw new CliError(`package.json: not valid JSON (${(err as Error).message}), so its rlmtree.plugins cannot be read`);
  }
  if (field === undefined) return [];
  if (!Array.isArray(field) || !field.every((m) => typeof m === 'string')) throw new CliError('package.json: rlmtree.plugins must be a list of module names or paths');
  return field;
}

/**
 * Loads the project's plugins (package.json), then `$RLMTREE_PLUGINS`, then `--plugin` modules.
 * @throws CliError like `loadPlugin` and `projectPlugins`.
 */
export async function loadPlugins(flags: readonly string[], env = process.env.RLMTREE_PLUGINS, cwd = process.cwd()): Promise<void> {
  const fromEnv = (env ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const module of [...projectPlugins(cwd), ...fromEnv, ...flags]) await loadPlugin(module, cwd);
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
