/**
 * Built-in, opt-in file tools over one workspace folder, for coding-agent-like runs:
 * `list_files`, `read_file`, `grep_files` and (only with `write: true`) `write_file`.
 *
 * Every path is taken relative to the workspace and refused when it leads outside it — by `..`,
 * an absolute path, or a symbolic link whose target lies outside (checked on the real path of the
 * deepest part that exists).
 */
import { z } from '../schema/zod.ts';
import { tool, type DefinedTool } from './tool.ts';
import { nodeFsPromises, nodePath } from '../util/builtins.ts';

/** Options of `workspaceTools`. */
export interface WorkspaceToolsOptions {
  /** Add `write_file` (default false: read-only). */
  write?: boolean;
  /** Most characters `read_file` returns in one call (default 100,000). */
  maxReadChars?: number;
}

/** A path outside the workspace, or one that cannot be used. */
export class WorkspacePathError extends Error {
  /** @param message names the path and the workspace. */
  constructor(message: string) {
    super(message);
    this.name = 'WorkspacePathError';
  }
}

async function realOrSelf(path: string): Promise<string> {
  // The deepest existing ancestor's real path, with the rest appended (a file to be written may not exist yet).
  let head = path;
  const rest: string[] = [];
  for (;;) {
    try {
      return nodePath().join(await nodeFsPromises().realpath(head), ...rest.reverse());
    } catch {
      const parent = nodePath().dirname(head);
      if (parent === head) return path;
      rest.push(head.slice(parent.length + (parent.endsWith(nodePath().sep) ? 0 : 1)));
      head = parent;
    }
  }
}

/**
 * The absolute path of `path` inside `root`.
 * @throws WorkspacePathError when it lies outside the workspace.
 */
export async function insideWorkspace(root: string, path: string): Promise<string> {
  const base = await nodeFsPromises().realpath(root);
  if (nodePath().isAbsolute(path)) throw new WorkspacePathError(`path ${JSON.stringify(path)} is absolute; give a path relative to the workspace`);
  const target = await realOrSelf(nodePath().resolve(base, path));
  const rel = nodePath().relative(base, target);
  if (rel === '..' || rel.startsWith(`..${nodePath().sep}`) || nodePath().isAbsolute(rel)) {
    throw new WorkspacePathError(`path ${JSON.stringify(path)} is outside the workspace`);
  }
  return target;
}

async function walk(root: string, dir: string, out: string[], limit: number): Promise<void> {
  for (const e of (await nodeFsPromises().readdir(nodePath().join(root, dir), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (out.length >= limit) return;
    if (e.name === '.git' || e.name === 'node_modules') continue;
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) await walk(root, rel, out, limit);
    else if (e.isFile()) out.push(rel);
  }
}

/**
 * The workspace file tools for `root` (an existing folder), keyed by name for `EngineOptions.tools`.
 */
export function workspaceTools(root: string, options: WorkspaceToolsOptions = {}): Record<string, DefinedTool> {
  const maxRead = options.maxReadChars ?? 100_000;
  const tools: Record<string, DefinedTool> = {
    list_files: tool({
      name: 'list_files',
      description: 'Files under a folder of the workspace (recursive, .git and node_modules left out), as paths relative to the workspace.',
      parameters: z.object({ path: z.string().default('.').describe('a folder relative to the workspace'), limit: z.number().int().positive().default(1000).describe('most paths returned') }),
      returns: z.array(z.string()),
      execute: async ({ path, limit }) => {
        const dir = await insideWorkspace(root, path);
        const base = await nodeFsPromises().realpath(root);
        const out: string[] = [];
        await walk(base, nodePath().relative(base, dir).split(nodePath().sep).join('/'), out, limit);
        return out;
      },
    }),
    read_file: tool({
      name: 'read_file',
      description: 'The text of a workspace file, optionally a range of its lines (1-based, inclusive).',
      parameters: z.object({
        path: z.string().describe('a file relative to the workspace'),
        start_line: z.number().int().positive().default(1),
        end_line: z.number().int().positive().optional().describe('last line (default: the end)'),
      }),
      returns: z.string(),
      execute: async ({ path, start_line, end_line }) => {
        const text = await nodeFsPromises().readFile(await insideWorkspace(root, path), 'utf8');
        const lines = text.split('\n').slice(start_line - 1, end_line);
        const out = lines.join('\n');
        return out.length > maxRead ? `${out.slice(0, maxRead)}\n[… cut at ${maxRead} of ${out.length} characters; read a line range]` : out;
      },
    }),
    grep_files: tool({
      name: 'grep_files',
      description: 'Lines matching a regex in the workspace files under a folder, as "path:line: text".',
      parameters: z.object({ pattern: z.string().describe('a JavaScript regular expression'), path: z.string().default('.'), max_matches: z.number().int().positive().default(200) }),
      returns: z.array(z.string()),
      execute: async ({ pattern, path, max_matches }) => {
        let rx: RegExp;
        try {
          rx = new RegExp(pattern);
        } catch (err) {
          throw new Error(`grep_files: bad pattern: ${(err as Error).message}`);
        }
        const base = await nodeFsPromises().realpath(root);
        const dir = await insideWorkspace(root, path);
        const files: string[] = [];
        await walk(base, nodePath().relative(base, dir).split(nodePath().sep).join('/'), files, 100_000);
        const out: string[] = [];
        for (const f of files) {
          const info = await nodeFsPromises().stat(nodePath().join(base, f));
          if (info.size > 10_000_000) continue;
          const text = await nodeFsPromises().readFile(nodePath().join(base, f), 'utf8');
          if (text.includes('\u0000')) continue;
          text.split('\n').forEach((line, i) => {
            if (out.length < max_matches && rx.test(line)) out.push(`${f}:${i + 1}: ${line}`);
          });
          if (out.length >= max_matches) break;
        }
        return out;
      },
    }),
  };
  if (options.write) {
    tools.write_file = tool({
      name: 'write_file',
      description: 'Writes text to a workspace file (folders made as needed); returns the characters written.',
      parameters: z.object({ path: z.string().describe('a file relative to the workspace'), text: z.string() }),
      returns: z.number().int(),
      execute: async ({ path, text }) => {
        const target = await insideWorkspace(root, path);
        await nodeFsPromises().mkdir(nodePath().dirname(target), { recursive: true });
        await nodeFsPromises().writeFile(target, text);
        return text.length;
      },
    });
  }
  return tools;
}
