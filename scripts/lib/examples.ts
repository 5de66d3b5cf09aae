/**
 * The runnable examples of the repository's Markdown (README.md, packages/*\/README.md, docs/*.md).
 *
 * A fenced block whose info string holds the word `example` is run by tests/readme-examples.test.ts
 * (and the `ts` ones also by the consumer check, from a project that installed the packed
 * packages). Conventions (docs/packaging.md, "README examples"):
 *
 *   ```ts example              a TypeScript script, run with node; a `console.log(...) // text`
 *                              line asserts that `text` is a line of its output
 *   ```sh example              bash, `set -e`, `rlmtree` on PATH; must exit 0
 *   ```sh example server       a long-running command: it must still run 3 s after start, and
 *                              print a line, then it is stopped
 *   ```json file=NAME          not run: written to NAME in the examples' folder first
 *   needs=jupyter,docker       (on any example) the real parts it needs (tests/helpers/parts.ts)
 *
 * The blocks of one Markdown file share one temporary folder and run in order, so a later one
 * may read what an earlier one wrote (a trace, say).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from './workspace.ts';

/** One fenced block of a Markdown file. */
export interface Example {
  /** Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** `ts`, `sh`, `json`… (the info string's first word). */
  lang: string;
  /** The other words of the info string. */
  flags: string[];
  /** `file=NAME`: a file to write, not an example to run. */
  writes?: string;
  /** `needs=a,b`. */
  needs: string[];
  /** The block's text (ends with a newline). */
  code: string;
  /** For `ts`: the texts `console.log(...) // text` lines expect in the output. */
  expects: string[];
}

const FENCE = /^(\s*)(```+)(.*)$/;

/** The Markdown files examples are collected from (those that exist). */
export function markdownFiles(): string[] {
  const files = ['README.md'];
  for (const d of readdirSync(join(REPO, 'packages')).sort()) {
    if (existsSync(join(REPO, 'packages', d, 'README.md'))) files.push(`packages/${d}/README.md`);
  }
  if (existsSync(join(REPO, 'docs'))) {
    for (const f of readdirSync(join(REPO, 'docs')).sort()) if (f.endsWith('.md')) files.push(`docs/${f}`);
  }
  return files;
}

/** Every fenced block of `file` (relative to the repository root) that is an example or a file to write. */
export function examplesOf(file: string): Example[] {
  const lines = readFileSync(join(REPO, file), 'utf8').split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, ticks, info] = open;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j]!.trimStart().startsWith(ticks!) && lines[j]!.trim() === ticks)) body.push(lines[j++]!.slice(indent!.length));
    const words = info!.trim().split(/\s+/).filter(Boolean);
    const [lang = '', ...flags] = words;
    const writes = flags.find((f) => f.startsWith('file='))?.slice(5);
    if (flags.includes('example') || writes) {
      const code = body.join('\n') + '\n';
      out.push({
        file,
        line: i + 1,
        lang,
        flags: flags.filter((f) => !f.startsWith('file=') && !f.startsWith('needs=')),
        ...(writes ? { writes } : {}),
        needs: flags.find((f) => f.startsWith('needs='))?.slice(6).split(',').filter(Boolean) ?? [],
        code,
        expects: lang === 'ts' ? expectations(code) : [],
      });
    }
    i = j;
  }
  return out;
}

/** `console.log(...); // 5` → `5`. */
function expectations(code: string): string[] {
  return code
    .split('\n')
    .filter((l) => /^\s*console\.log\(/.test(l))
    .map((l) => /\/\/\s*(.+?)\s*$/.exec(l)?.[1])
    .filter((t): t is string => t !== undefined);
}

/** A name for an example in test titles: `README.md:42 (ts)`. */
export function exampleName(e: Example): string {
  return `${e.file}:${e.line} (${e.lang}${e.flags.length > 1 ? ` ${e.flags.filter((f) => f !== 'example').join(' ')}` : ''})`;
}

/** Whether `output` has each expected text as one of its lines (trimmed), in order. @returns the first one missing, or undefined. */
export function missingExpectation(e: Example, output: string): string | undefined {
  const lines = output.split('\n').map((l) => l.trim());
  let at = 0;
  for (const want of e.expects) {
    const found = lines.findIndex((l, k) => k >= at && l === want);
    if (found < 0) return want;
    at = found + 1;
  }
  return undefined;
}

/** Path of `file` relative to the repository, for messages. */
export const repoPath = (file: string): string => relative(REPO, file);
