/**
 * `rlmtree chat --history conv.json`: earlier user/assistant messages to start the conversation
 * with (as openrlm's `--context history.json`). The file is a JSON list of
 * `{"role": "user" | "assistant", "content": "..."}`; anything else is a one-line error naming the
 * entry and the field.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ChatMessage } from '@rlmtree/core';
import { CliError } from '../errors.ts';

const EntrySchema = z.object({ role: z.enum(['user', 'assistant']), content: z.string() }).strict();

/**
 * Reads and checks a history file.
 * @throws CliError naming the file, and the entry (0-based) and field when one is wrong.
 */
export async function loadHistory(path: string): Promise<ChatMessage[]> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`history ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`history ${path}: not valid JSON: ${(err as Error).message}`);
  }
  return parseHistory(value, path);
}

/** Checks a parsed history value. @throws CliError naming the entry and field. */
export function parseHistory(value: unknown, path: string): ChatMessage[] {
  if (!Array.isArray(value)) throw new CliError(`history ${path}: expected a JSON list of {"role": "user" | "assistant", "content": "..."} messages, got ${value === null ? 'null' : typeof value}`);
  return value.map((entry, i) => {
    const parsed = EntrySchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length ? `.${issue.path.join('.')}` : '';
      throw new CliError(`history ${path}: entry ${i}${field}: ${issue.message} (each entry is {"role": "user" | "assistant", "content": "..."})`);
    }
    return parsed.data;
  });
}
