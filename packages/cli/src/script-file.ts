/** The script files of `--model scripted:<file>`. */
import { pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseScript, ScriptedLLM } from '@rlmtree/core';
import { CliError } from './errors.ts';

/**
 * Loads a script file for `scripted:<file>`: `.json` (a list of replies, or `{"rules": [...]}`)
 * or `.js` / `.mjs` (default export: the same, or a reply function).
 * @throws CliError naming the file and what is wrong with it.
 */
export async function loadScriptFile(file: string): Promise<ScriptedLLM> {
  const path = resolve(file);
  let value: unknown;
  if (/\.(m?js)$/.test(path)) {
    try {
      value = (await import(pathToFileURL(path).href)).default;
    } catch (err) {
      throw new CliError(`scripted model ${file}: cannot load: ${(err as Error).message.split('\n')[0]}`);
    }
  } else {
    const text = await readFile(path, 'utf8').catch(() => {
      throw new CliError(`scripted model ${file}: no such file`);
    });
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new CliError(`scripted model ${file}: not valid JSON: ${(err as Error).message}`);
    }
  }
  try {
    return new ScriptedLLM(parseScript(value, file), { name: `scripted:${file}` });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}
