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
import { postgresMissing, startCluster, type PostgresCluster } from '@rlmtree/postgres/testing';
import { needs, type Part } from './helpers/parts.ts';

/** How long one example may run (ms): the runtimes example starts four kinds of REPL in turn. */
const EXAMPLE_TIMEOUT_MS = 150_000;
const reply = new ScriptedLLM(() => '```repl\ndone("answer from the fake model server")\n```');
let openai: FakeOpenAIServer;
let anthropic: FakeAnthropicServer;
/** A throwaway cluster for the examples that need PostgreSQL (their RLMTREE_POSTGRES_URL). */
let postgres: PostgresCluster | undefined;
// Inside the checkout (gitignored .cache/), so node resolves the workspace packages from here.
const root = join(REPO, '.cache');
mkdirSync(root, { recursive: true });
const work = mkdtempSync(join(root, 'readme-examples-'));
const bin = join(work, 'bin');
const files = markdownFiles().map((f) => [f, examplesOf(f)] as const).filter(([, ex]) => ex.some((e) => e.flags.includes('example')));
const wantsPostgres = files.some(([, ex]) => ex.some((e) => e.flags.includes('example') && e.needs.includes('postgres')));

beforeAll(async () => {
  [openai, anthropic] = await Promise.all([startFakeOpenAI({ reply }), startFakeAnthropic({ reply })]);
  if (wantsPostgres && !postgresMissing()) postgres = await startCluster();
  mkdirSync(bin);
  writeFileSync(join(bin, 'rlmtree'), `#!/bin/sh\nexec "${process.execPath}" "${join(REPO, 'packages/cli/bin/rlmtree.js')}" "$@"\n`);
  chmodSync(join(bin, 'rlmtree'), 0o755);
});
afterAll(async () => {
  await Promise.all([openai?.close(), anthropic?.close(), postgres?.destroy()]);
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
    ...(postgres ? { RLMTREE_POSTGRES_URL: postgres.url } : {}),
  };
  const file = join(dir, `example-${index}.${e.lang === 'ts' ? 'ts' : 'sh'}`);
  writeFileSync(file, e.lang === 'ts' ? e.code : `set -e\n${e.code}`);
  const [cmd, args] = e.lang === 'ts' ? [process.execPath, [file]] : ['bash', [file]];
  if (e.flags.includes('server')) return runServer(cmd, args, dir, env);
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: dir, env, timeout: EXAMPLE_TIMEOUT_MS, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/**
 * A `server` example: passes (code 0) when it printed a line and still runs 3 s after that line
 * (a loaded machine may take seconds to start it); then its whole process group is stopped, so no
 * server outlives the test (or holds its port).
 */
function runServer(cmd: string, args: string[], dir: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  const child = spawn(cmd, args, { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve) => {
    let exited: number | null = null;
    let checking = false;
    const stop = (why: string | null) => {
      clearTimeout(giveUp);
      if (exited === null) process.kill(-child.pid!, 'SIGTERM');
      resolve(why === null ? { code: 0, out } : { code: 1, out: `${out}\n(${why})` });
    };
    const onData = (d: Buffer) => {
      out += d;
      if (checking || !out.includes('\n')) return;
      checking = true;
      setTimeout(() => stop(exited === null ? null : `exited with ${exited} within 3 s of its first line`), 3000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      exited = code ?? 1;
      if (!checking) stop(`exited with ${exited} before printing a line`);
    });
    const giveUp = setTimeout(() => stop(`printed no line within ${EXAMPLE_TIMEOUT_MS} ms`), EXAMPLE_TIMEOUT_MS);
  });
}


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
    }, EXAMPLE_TIMEOUT_MS + 10_000);
  }
});
