/**
 * `--tools <file|folder>` and `--workspace <dir>`: the host tools of a run, from the command line.
 *
 * A tools module is a `.ts`, `.mts`, `.mjs` or `.js` file whose exports are tools made with
 * `tool()` from `@rlmtree/core` (a default export may also be a tool, or a list or record of them);
 * a folder contributes each such file in it, skipping files whose name starts with `_` (helpers).
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTool, workspaceTools, type DefinedTool, type ToolSpec } from '@rlmtree/core';
import { CliError } from './errors.ts';

const MODULE = /\.(ts|mts|mjs|js)$/;

function toolsOf(value: unknown, key: string): [string, DefinedTool][] {
  if (isTool(value)) return [[value.name ?? key, value]];
  if (key !== 'default') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => toolsOf(v, `default[${i}]`).map(([k, t]): [string, DefinedTool] => [t.name ?? k, t]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => (isTool(v) ? [[v.name ?? k, v] as [string, DefinedTool]] : []));
  return [];
}

async function loadModule(file: string): Promise<[string, DefinedTool][]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`--tools ${file}: cannot load it: ${(err as Error).message.split('\n')[0]}`);
  }
  const found = Object.entries(mod).flatMap(([k, v]) => toolsOf(v, k));
  if (found.length === 0) throw new CliError(`--tools ${file}: it exports no tools (make them with tool() from @rlmtree/core)`);
  return found;
}

/**
 * The tools of `--tools` specs (files or folders) and, with `workspace`, the workspace file tools.
 * @throws CliError naming the file: missing, unloadable, exporting no tools, or two tools of one name.
 */
export async function loadTools(specs: readonly string[], workspace?: { dir: string; write: boolean }): Promise<Record<string, DefinedTool>> {
  const tools: Record<string, DefinedTool> = {};
  const from = new Map<string, string>();
  const add = (name: string, t: DefinedTool, where: string) => {
    if (from.has(name)) throw new CliError(`--tools: two tools named ${name} (${from.get(name)} and ${where})`);
    from.set(name, where);
    tools[name] = t.named(name);
  };
  for (const spec of specs) {
    const info = await stat(spec).catch(() => {
      throw new CliError(`--tools ${spec}: no such file or folder`);
    });
    const files = info.isDirectory()
      ? (await readdir(spec)).filter((f) => MODULE.test(f) && !f.startsWith('_') && !f.endsWith('.d.ts') && !/\.test\./.test(f)).sort().map((f) => join(spec, f))
      : [spec];
    if (files.length === 0) throw new CliError(`--tools ${spec}: the folder holds no tool modules (.ts, .mjs, .js; files starting with _ are skipped)`);
    for (const file of files) for (const [name, t] of await loadModule(file)) add(name, t, file);
  }
  if (workspace) {
    const info = await stat(workspace.dir).catch(() => null);
    if (!info?.isDirectory()) throw new CliError(`--workspace ${workspace.dir}: no such folder`);
    for (const [name, t] of Object.entries(workspaceTools(workspace.dir, { write: workspace.write }))) add(name, t, `--workspace ${workspace.dir}`);
  }
  return tools;
}

/** The specs the state records for `tools`. */
export function toolSpecs(tools: Readonly<Record<string, DefinedTool>>): ToolSpec[] {
  return Object.entries(tools).map(([name, t]) => t.spec(name));
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The `--tools` / `--workspace` flags of a command. */
export interface ToolFlags {
  /** `--tools` files or folders of tool modules. */
  tools?: string[];
  /** `--workspace`: the folder the built-in file tools work in. */
  workspace?: string;
  /** `--workspace-write`: add write_file. */
  workspaceWrite?: boolean;
}

/** The tools the flags give, or none. @throws CliError like `loadTools`. */
export async function toolsFromFlags(opts: ToolFlags): Promise<Record<string, DefinedTool> | undefined> {
  if (!opts.tools?.length && !opts.workspace) return undefined;
  return loadTools(opts.tools ?? [], opts.workspace ? { dir: opts.workspace, write: opts.workspaceWrite ?? false } : undefined);
}

/**
 * Checks that a recorded run gets every tool its state names (a continued run would otherwise
 * answer their calls with "no tool named …").
 * @throws CliError naming the trace and the missing tools.
 */
export function requireRecordedTools(state: { tools: readonly { name: string }[] }, tools: Readonly<Record<string, unknown>> | undefined, path: string): void {
  const missing = state.tools.filter((t) => !tools?.[t.name]).map((t) => t.name);
  if (missing.length) throw new CliError(`trace ${path} was recorded with the tools ${missing.join(', ')}; pass --tools (or --workspace) that define them`);
}
