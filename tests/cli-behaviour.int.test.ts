/**
 * The command line behaves, end to end (issue 15): `--json` always one object, errors that name
 * the URL and cause, runtime prerequisites checked before any model call, Ctrl-C that stops with
 * the resume command and exit 130, `serve` exiting 1 on a taken port, `view --open` with no
 * browser. (Parsing — bad limits, unknown options, --help, --version — is in
 * packages/cli/src/main.test.ts, in process.)
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedLLM } from '@rlmtree/core';
import { startFakeOpenAI, type FakeOpenAIServer } from '@rlmtree/openai/testing';
import { BIN, ROOT, runCli } from './helpers/cli.ts';

const CONTEXT = join(ROOT, 'examples/data/tinyshakespeare.txt');
const POLICY = `scripted:${join(ROOT, 'examples/speakers/policy.mjs')}`;
const oneLine = (text: string) => text.trim().split('\n').filter((l) => l.startsWith('rlmtree:'));
/** An environment with no model keys or endpoints. */
function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL']) if (!(k in extra)) delete env[k];
  return env;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rlmtree-cli-behaviour-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--json', () => {
  it('prints one JSON object for a bad input and for an answer (usage errors: main.test.ts)', async () => {
    const input = await runCli(['run', 'q', '-c', join(dir, 'missing.txt'), '-m', POLICY, '--json']);
    expect(input.code).toBe(1);
    expect(JSON.parse(input.stdout)).toMatchObject({ answer: null, error: { kind: 'input', message: expect.stringContaining('missing.txt') }, exitCode: 1 });
    const ok = await runCli(['run', 'Which speaker has the most speeches in this text, and how many?', '-c', CONTEXT, '-m', POLICY, '--json']);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report).toMatchObject({ answer: expect.stringMatching(/has the most speeches/), error: null, exitCode: 0, trace: null });
    expect(report.usage.llmCalls).toBeGreaterThan(0);
  });
});

describe('errors name what and where', () => {
  it('a closed port: the URL and the cause (ECONNREFUSED), not just "Connection error."', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/v1`;
    const r = await runCli(['run', 'q', '-c', CONTEXT, '-m', 'openai:gpt-5', '--no-live'], { env: bareEnv({ OPENAI_BASE_URL: url, OPENAI_API_KEY: 'k' }) });
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr).at(-1)).toContain(url);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
  });

  it('a non-URL OPENAI_BASE_URL and a missing key are named before anything runs', async () => {
    const notUrl = await runCli(['run', 'q', '-c', CONTEXT, '-m', 'openai:gpt-5'], { env: bareEnv({ OPENAI_BASE_URL: 'localhost-8000', OPENAI_API_KEY: 'k' }) });
    expect(notUrl.code).toBe(1);
    expect(notUrl.stderr.trim()).toBe('rlmtree: OPENAI_BASE_URL=localhost-8000 is not an http(s) URL (e.g. http://localhost:8000/v1)');
    const noKey = await runCli(['run', 'q', '-c', CONTEXT, '-m', 'openai:gpt-5'], { env: bareEnv() });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('needs OPENAI_API_KEY');
    const noAnthropicKey = await runCli(['run', 'q', '-c', CONTEXT, '-m', 'anthropic:claude-sonnet-4-5'], { env: bareEnv() });
    expect(noAnthropicKey.stderr.trim()).toBe('rlmtree: anthropic:claude-sonnet-4-5 needs ANTHROPIC_API_KEY');
  });
});

describe('runtime prerequisites are checked before the first model call', () => {
  let fake: FakeOpenAIServer;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ reply: new ScriptedLLM(['```repl\ndone("paid")\n```']) });
  });
  afterAll(() => fake.close());

  it.each([
    ['docker', { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, /runtime docker: no Docker daemon answers at DOCKER_HOST=unix:\/\/\/nonexistent\/docker\.sock/],
    ['jupyter=server', { RLMTREE_JUPYTER_SERVER: '/nonexistent/jupyter-server' }, /runtime jupyter is not ready: .*nonexistent\/jupyter-server/],
  ])('--runtime %s with the part missing: exit 1, named, and no request reached the model', async (runtime, extra, message) => {
    const before = fake.requests.length;
    const r = await runCli(['run', 'q', '-c', CONTEXT, '-m', 'openai:gpt-5', '--runtime', runtime], { env: bareEnv({ OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'k', ...extra }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(fake.requests.length).toBe(before);
  });
});

describe('Ctrl-C', () => {
  it('stops a run mid-cell with one line naming the resume command, exit 130, no Python traceback; resume finishes it', async () => {
    const script = join(dir, 'sleepy.json');
    await writeFile(script, JSON.stringify(['```repl\nimport os, time\nx = 41\nif not os.path.exists("cell-started"):\n    open("cell-started", "w").close()\n    time.sleep(30)\n```', '```repl\ndone(x + 1)\n```']));
    const trace = join(dir, 'sleepy.jsonl');
    // Its own process group, like a shell job: the signal goes to every process in it, as a
    // terminal's Ctrl-C does.
    const child = spawn(process.execPath, [BIN, 'run', 'q', '-c', CONTEXT, '-m', `scripted:${script}`, '--no-live', '--trace', trace], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    // The cell is sleeping once it has made this file (the subprocess REPL's working folder is ours).
    await until(() => existsSync(join(dir, 'cell-started')), 30_000, () => stderr);
    process.kill(-child.pid!, 'SIGINT');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
    if (code === 'still running') process.kill(-child.pid!, 'SIGKILL');
    expect(code).toBe(130);
    expect(stderr).not.toMatch(/Traceback|KeyboardInterrupt|Fatal Python error/);
    expect(oneLine(stderr), stderr).toEqual([expect.stringMatching(new RegExp(`^rlmtree: interrupted at step \\d+; continue with: rlmtree resume ${trace.replace(/[.]/g, '\\.')}$`))]);
    expect(stderr).toMatch(/usage and cost/);
    const resumed = await runCli(['resume', trace, '--no-live'], { cwd: dir });
    expect(resumed.stdout.trim()).toBe('42');
    expect(resumed.code).toBe(0);
  });
});

describe('serve', () => {
  it('exits 1 with one line when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const started = Date.now();
      const r = await runCli(['serve', '-m', POLICY, '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`rlmtree: cannot listen on 127.0.0.1:${port}: the port is in use (choose another with --port, or --port 0 for a free one)`);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      taken.close();
    }
  });
});

describe('view --open', () => {
  it('says so when no browser can be opened', async () => {
    const trace = join(dir, 'small.jsonl');
    const script = join(dir, 'one.json');
    await writeFile(script, JSON.stringify(['```repl\ndone(1)\n```']));
    expect((await runCli(['run', 'q', '-c', CONTEXT, '-m', `scripted:${script}`, '--trace', trace])).code).toBe(0);
    // No desktop session and no browser on PATH: the opener has nothing to open the page with.
    const { DISPLAY: _d, WAYLAND_DISPLAY: _w, BROWSER: _b, ...rest } = process.env;
    const env = { ...rest, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` };
    const r = await runCli(['view', trace, '--open', '-o', join(dir, 'small.html')], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`rlmtree: could not open a browser \\(.+\\); open ${join(dir, 'small.html').replace(/[.]/g, '\\.')} yourself`));
  });
});

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function until(ok: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting; so far:\n${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
