/**
 * Every example of the repository's Markdown runs and says what it claims: fenced blocks marked
 * `example` in README.md, packages/*\/README.md and docs/*.md (conventions in
 * scripts/lib/examples.ts and docs/testing.md). `ts` examples run with node from a folder inside
 * the checkout (so `@rlmtree/*` resolve to the sources); `console.log(...) // text` lines must
 * print `text`. `sh` examples run in bash with `rlmtree` on PATH. Model providers point at local
 * fake servers (OPENAI_BASE_URL, ANTHROPIC_BASE_URL), so examples written for real models run too.
 * (The consumer check runs the `ts` ones again from a project that installed the packed packages.)
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedLLM } from '@rlmtree/core';
import { startFakeAnthropic, type FakeAnthropicServer } from '@rlmtree/anthropic/testing';
import { startFakeOpenAI, type FakeOpenAIServer } from '@rlmtree/openai/testing';
import { exampleName, examplesOf, markdownFiles, missingExpectation, type Example } from '../scripts/lib/examples.ts';
import { REPO } from '../scripts/lib/workspace.ts';
import { needs, type Part } from './helpers/parts.ts';

const reply = new ScriptedLLM(() => '```repl\ndone("answer from the fake model server")\n```');
let openai: FakeOpenAIServer;
let anthropic: FakeAnthropicServer;
// Inside the checkout (gitignored .cache/), so node resolves the workspace packages from here.
const root = join(REPO, '.cache');
mkdirSync(root, { recursive: true });
const work = mkdtempSync(join(root, 'readme-examples-'));
const bin = join(work, 'bin');
beforeAll(async () => {
  [openai, anthropic] = await Promise.all([startFakeOpenAI({ reply }), startFakeAnthropic({ reply })]);
  mkdirSync(bin);
  writeFileSync(join(bin, 'rlmtree'), `#!/bin/sh\nexec "${process.execPath}" "${join(REPO, 'packages/cli/bin/rlmtree.js')}" "$@"\n`);
  chmodSync(join(bin, 'rlmtree'), 0o755);
});
afterAll(async () => {
  await Promise.all([openai?.close(), anthropic?.close()]);
  rmSync(work, { recursive: true, force: true });
});

/** Runs one example in `dir`; resolves with its exit code and output. */
function run(e: Example, dir: string, index: number): Promise<{ code: number; out: string }> {
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    OPENAI_BASE_URL: openai.baseURL,
    OPENAI_API_KEY: 'readme-examples',
    ANTHROPIC_BASE_URL: anthropic.baseURL,
    ANTHROPIC_API_KEY: 'readme-examples',
  };
  const file = join(dir, `example-${index}.${e.lang === 'ts' ? 'ts' : 'sh'}`);
  writeFileSync(file, e.lang === 'ts' ? e.code : `set -e\n${e.code}`);
  const [cmd, args] = e.lang === 'ts' ? [process.execPath, [file]] : ['bash', [file]];
  if (e.flags.includes('server')) return runServer(cmd, args, dir, env);
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: dir, env, timeout: 120_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/**
 * A `server` example: passes (code 0) when it printed a line and still runs 3 s after start; then
 * its whole process group is stopped, so no server outlives the test (or holds its port).
 */
function runServer(cmd: string, args: string[], dir: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  const child = spawn(cmd, args, { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  return new Promise((resolve) => {
    let exited: number | null = null;
    child.on('exit', (code) => (exited = code ?? 1));
    setTimeout(() => {
      const running = exited === null;
      if (running) process.kill(-child.pid!, 'SIGTERM');
      const code = running && out.trim() ? 0 : (exited ?? 1) || 1;
      resolve({ code, out: running ? out : `${out}\n(exited with ${exited} before 3 s)` });
    }, 3000);
  });
}

const files = markdownFiles().map((f) => [f, examplesOf(f)] as const).filter(([, ex]) => ex.some((e) => e.flags.includes('example')));

it('the Markdown holds runnable examples (the harness finds them)', () => {
  expect(files.map(([f]) => f)).toContain('README.md');
});

describe.each(files)('%s', (file, examples) => {
  // One folder per Markdown file, shared by its examples in order; the repository's examples/ linked in.
  const dir = join(work, file.replace(/[/.]/g, '_'));
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    symlinkSync(join(REPO, 'examples'), join(dir, 'examples'));
    for (const e of examples) if (e.writes) writeFileSync(join(dir, e.writes), e.code);
  });
  for (const [i, e] of examples.entries()) {
    if (!e.flags.includes('example')) continue;
    const missing = e.needs.length ? needs(...(e.needs as Part[])) : undefined;
    it.skipIf(missing)(`${exampleName(e)}${missing ? ` (skipped: ${missing})` : ''}`, async () => {
      const r = await run(e, dir, i);
      expect(r.code, r.out).toBe(0);
      const lost = missingExpectation(e, r.out);
      expect(lost, `expected a line ${JSON.stringify(lost)} in:\n${r.out}`).toBeUndefined();
    });
  }
});
