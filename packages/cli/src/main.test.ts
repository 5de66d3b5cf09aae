/**
 * The command line's parsing, in process: bad limit values and unknown options are one-line
 * usage errors (exit 2) on every command that runs agents, `--json` still prints one object,
 * `--help` shows runtimes, defaults, environment and examples, `--version` the version.
 * (End-to-end behaviour — errors naming URLs, prerequisites, Ctrl-C, serve — is in
 * tests/cli-behaviour.int.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describe as describeError, EXIT, main, VERSION } from './main.ts';

/** Runs `main(argv)` capturing what it writes to stdout and stderr. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}
afterEach(() => {
  process.exitCode = 0;
});

const FIRST_ARGS: Record<string, string[]> = { run: ['q', '-c', 'x.txt', '-m', 'scripted:x.json'], resume: ['t.jsonl'], serve: ['-m', 'scripted:x.json'], bench: ['oolong', '-m', 'scripted'] };

describe('limit flags', () => {
  const bad: [string, string, string][] = [
    ['--max-iterations', '0', 'takes a whole number ≥ 1'],
    ['--cell-timeout', '0', 'takes a number > 0'],
    ['--cell-timeout', '-3', 'takes a number > 0'],
    ['--cell-timeout', 'abc', 'takes a number > 0'],
    ['--max-depth', '1.5', 'takes a whole number ≥ 0'],
    ['--max-cost', 'free', 'takes a number > 0'],
    ['--max-wall-clock', '', 'takes a number > 0'],
  ];
  for (const command of Object.keys(FIRST_ARGS)) {
    it.each(bad)(`${command} %s %s: one line, exit 2`, async (flag, value, why) => {
      const r = await cli([command, ...FIRST_ARGS[command]!, `${flag}=${value}`]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toBe(`rlmtree: option '${flag} <${flag === '--max-cost' ? 'usd' : /timeout|clock/.test(flag) ? 'seconds' : 'n'}>' argument '${value}' is invalid. ${why} (see: rlmtree ${command} --help)\n`);
      expect(r.stdout).toBe('');
    });
  }

  it('--json turns a usage error into one JSON object on stdout', async () => {
    const r = await cli(['run', ...FIRST_ARGS.run!, '--max-iterations', '0', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ answer: null, error: { kind: 'usage', message: expect.stringContaining("'--max-iterations <n>' argument '0' is invalid") }, usage: null, steps: null, agents: null, runId: null, trace: null, exitCode: 2, summary: null });
  });
});

describe('options', () => {
  it('a misspelt option is unknown (with a suggestion), not a missing required one', async () => {
    const r = await cli(['run', 'q', '--contxt', 'x.txt', '-m', 'scripted:x.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("rlmtree: unknown option '--contxt' (Did you mean --context?) (see: rlmtree run --help)\n");
  });

  it('a missing required option is named', async () => {
    const r = await cli(['run', 'q', '-m', 'scripted:x.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("rlmtree: required option '-c, --context <path>' not specified (see: rlmtree run --help)\n");
  });
});

describe('--help and --version', () => {
  it.each(['run', 'resume', 'serve', 'bench'])('%s --help lists every runtime, the limits with defaults, the environment and an example', async (command) => {
    const r = await cli([command, '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const text of ['subprocess (python3', 'docker[=<image>]', 'jupyter[=<url>]', '--max-depth <n>', '--max-iterations <n>', '--cell-timeout <seconds>', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'JUPYTER_TOKEN', 'RLMTREE_DOCKER_IMAGE', 'DOCKER_HOST', 'Examples:', `rlmtree ${command} `, 'Exit codes: 0 answered, 1 error']) {
      expect(help, text).toContain(text);
    }
    if (command === 'resume') expect(help).toContain('(default: the recorded limit)');
    else for (const d of ['(default: 2)', '(default: 20)', '(default: 120)', '(default: 10000)', '(default: "subprocess")']) expect(help, d).toContain(d);
  });

  it('--version and -V print the packages\' version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(version);
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});

describe('unexpected errors', () => {
  it('are one line: messages of the causes that are errors, never a cause that is a whole state object', () => {
    const state = { nodes: { root: { messages: ['a'.repeat(10_000)] } } };
    const err = new Error('the run failed', { cause: Object.assign(new Error('step 3: root: kernel died'), { cause: state }) });
    expect(describeError(err)).toBe('the run failed: step 3: root: kernel died');
    expect(describeError(new Error('only', { cause: state }))).toBe('only');
  });
});
