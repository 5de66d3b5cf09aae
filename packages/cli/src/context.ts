/** Loading `--context`: a file (one str), a folder (a list of str, one per file) or `-` (stdin). */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Context } from '@rlmtree/core';
import { CliError } from './errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Uint8Array, where: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new CliError(`context ${where} is not UTF-8 text`);
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * Reads the context. A folder gives one document per file (sorted by path, hidden files skipped).
 * @throws CliError when the path is missing, empty, or not UTF-8 (naming the file).
 */
export async function loadContext(spec: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<Context> {
  if (spec === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    return decode(Buffer.concat(chunks), 'from stdin');
  }
  const info = await stat(spec).catch(() => {
    throw new CliError(`context ${spec}: no such file or folder`);
  });
  if (info.isDirectory()) {
    const files = await listFiles(spec);
    if (files.length === 0) throw new CliError(`context folder ${spec} holds no files`);
    return Promise.all(files.map(async (f) => decode(await readFile(f), `file ${relative(process.cwd(), f)}`)));
  }
  return decode(await readFile(spec), `file ${spec}`);
}
