/**
 * Loading `--context`: a file (one str), a folder (a list of str, one per file, each with its
 * relative path) or `-` (stdin).
 *
 * A folder is read the way a user of a coding tool expects: `.gitignore`d paths (every
 * `.gitignore` on the way down, read with the `ignore` package, which follows git's rules), hidden
 * files and binary files are left out and reported (a count and the first few paths), never a crash
 * of the whole run; a size cap stops a folder that would not fit a run with a message saying what to do.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { Context } from '@rlmtree/core';
import { CliError } from './errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Default cap on the bytes a folder context may hold (256 MiB). */
export const DEFAULT_MAX_CONTEXT_BYTES = 256 * 1024 * 1024;

/** What `loadContextFiles` read. */
export interface LoadedContext {
  context: Context;
  /** For a folder: each document's path relative to the folder (`/`-separated), parallel to `context`. */
  paths?: string[];
  /** Files of a folder left out, by reason (relative paths, sorted). */
  skipped: { binary: string[]; ignored: string[] };
}

/** Options of `loadContextFiles`. */
export interface LoadContextOptions {
  /** Read for `-` (default: process.stdin). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where the "reading from the terminal" notice goes (default: stderr). */
  notice?: (line: string) => void;
  /** Cap on the bytes of a folder's text files (default `DEFAULT_MAX_CONTEXT_BYTES`). */
  maxBytes?: number;
}

/**
 * Bytes git would call binary: a NUL in the first 8,000 bytes (git's own test, `buffer_is_binary`
 * in xdiff-interface.c), or not valid UTF-8 at all.
 */
function textOf(bytes: Uint8Array): string | null {
  if (bytes.subarray(0, 8000).includes(0)) return null;
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

interface Rules {
  /** The folder the `.gitignore` sits in, relative to the context root ('' for the root). */
  base: string;
  ig: Ignore;
}

const posix = (p: string) => p.split(sep).join('/');

/** Git's precedence: the deepest `.gitignore` with a verdict on the path (ignore or `!` re-include) wins. */
function ignored(rules: readonly Rules[], rel: string, isDir: boolean): boolean {
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i]!;
    const verdict = r.ig.test(`${r.base ? rel.slice(r.base.length + 1) : rel}${isDir ? '/' : ''}`);
    if (verdict.ignored) return true;
    if (verdict.unignored) return false;
  }
  return false;
}

async function walk(root: string, dir: string, rules: Rules[], out: { files: string[]; ignored: string[] }): Promise<void> {
  const entries = (await readdir(join(root, dir), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const own = entries.find((e) => e.name === '.gitignore' && e.isFile());
  const active = own ? [...rules, { base: dir, ig: ignore().add(await readFile(join(root, dir, '.gitignore'), 'utf8')) }] : rules;
  for (const entry of entries) {
    if (entry.name === '.git') continue;
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    const isDir = entry.isDirectory();
    if (entry.name.startsWith('.') || ignored(active, rel, isDir)) {
      if (entry.name !== '.gitignore') out.ignored.push(isDir ? `${rel}/` : rel);
      continue;
    }
    if (isDir) await walk(root, rel, active, out);
    else if (entry.isFile()) out.files.push(rel);
  }
}

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * Reads the context. A folder gives one document per text file, sorted by path, with `paths`.
 * @throws CliError when the path is missing, a single file is not UTF-8 text, a folder holds no
 *   text file, or its text files hold more than `maxBytes` (naming the sizes and the way past it).
 */
export async function loadContextFiles(spec: string, options: LoadContextOptions = {}): Promise<LoadedContext> {
  const skipped = { binary: [] as string[], ignored: [] as string[] };
  if (spec === '-') {
    // On a terminal, say why nothing happens: the text is read until end of input.
    const stdin = options.stdin ?? process.stdin;
    if ((stdin as { isTTY?: boolean }).isTTY) (options.notice ?? ((l) => process.stderr.write(l)))('reading the context from stdin (the terminal): type or paste it, then press Ctrl-D on a new line\n');
    const chunks: Buffer[] = [];
    for await (const chunk of options.stdin ?? process.stdin) chunks.push(Buffer.from(chunk as Buffer));
    const text = textOf(Buffer.concat(chunks));
    if (text === null) throw new CliError('context from stdin is not UTF-8 text');
    return { context: text, skipped };
  }
  const info = await stat(spec).catch(() => {
    throw new CliError(`context ${spec}: no such file or folder`);
  });
  if (!info.isDirectory()) {
    const text = textOf(await readFile(spec));
    if (text === null) throw new CliError(`context file ${spec} is not UTF-8 text`);
    return { context: text, skipped };
  }
  const found = { files: [] as string[], ignored: skipped.ignored };
  await walk(spec, '', [], found);
  const sizes = await Promise.all(found.files.map(async (f) => (await stat(join(spec, f))).size));
  const total = sizes.reduce((a, b) => a + b, 0);
  const cap = options.maxBytes ?? DEFAULT_MAX_CONTEXT_BYTES;
  if (total > cap) {
    throw new CliError(
      `context folder ${spec}: its ${found.files.length.toLocaleString('en-US')} files hold ${mb(total)}, over the cap of ${mb(cap)}; ` +
        `point --context at a subfolder, add paths to a .gitignore, or raise the cap with --max-context-mb ${Math.ceil(total / (1024 * 1024))}`,
    );
  }
  const context: string[] = [];
  const paths: string[] = [];
  for (const file of found.files) {
    const text = textOf(await readFile(join(spec, file)));
    if (text === null) skipped.binary.push(posix(file));
    else {
      context.push(text);
      paths.push(posix(file));
    }
  }
  if (context.length === 0) {
    const why = found.files.length ? `: all ${found.files.length} files are binary` : skipped.ignored.length ? `: all ${skipped.ignored.length} entries are hidden or .gitignored` : '';
    throw new CliError(`context folder ${spec} holds no text files${why}`);
  }
  return { context, paths, skipped };
}

/** One line per reason saying what a folder context left out (count and the first few), or none. */
export function skippedReport(skipped: LoadedContext['skipped'], shown = 5): string[] {
  const line = (what: string, list: string[]) => `context: skipped ${list.length} ${what}: ${list.slice(0, shown).join(', ')}${list.length > shown ? `, … ${list.length - shown} more` : ''}`;
  return [
    ...(skipped.binary.length ? [line(`binary file${skipped.binary.length === 1 ? '' : 's'}`, skipped.binary)] : []),
    ...(skipped.ignored.length ? [line(`hidden or .gitignored path${skipped.ignored.length === 1 ? '' : 's'}`, skipped.ignored)] : []),
  ];
}

/**
 * Reads the context (see `loadContextFiles`), writing what a folder left out to stderr. For
 * callers that do not carry the documents' paths.
 * @throws CliError like `loadContextFiles`.
 */
export async function loadContext(spec: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<Context> {
  const loaded = await loadContextFiles(spec, { stdin });
  for (const line of skippedReport(loaded.skipped)) process.stderr.write(`${line}\n`);
  return loaded.context;
}
