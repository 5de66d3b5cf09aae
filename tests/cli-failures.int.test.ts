/**
 * A damaged record is one line on stderr naming the file and the line (and with --json a JSON
 * object on stdout), exit 1, never a stack trace; the file is left as it was.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'rlmtree-cli-failures-'));
const CONTEXT = join(dir, 'context.txt');
writeFileSync(CONTEXT, 'some text\n');
const POLICY = join(dir, 'policy.json');
writeFileSync(POLICY, JSON.stringify(['```repl\nx = 1\n```', '```repl\ndone(x + 1)\n```']));

describe('CLI failures on damaged records', () => {
  it('an edited trace is one line naming its line, with a JSON object under --json, exit 1; the file is untouched', async () => {
    const trace = join(dir, 'run.jsonl');
    const run = await runCli(['run', 'q', '--context', CONTEXT, '--model', `scripted:${POLICY}`, '--trace', trace, '--no-live']);
    expect(run.code).toBe(0);
    const lines = readFileSync(trace, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.startsWith('{"kind":"step","step":2'));
    lines[at] = lines[at]!.replace('"durationMs":', '"durationMs":1');
    const damaged = lines.join('\n');
    writeFileSync(trace, damaged);
    for (const cmd of [['replay', trace], ['resume', trace, '--json', '--no-live']]) {
      const r = await runCli(cmd);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^rlmtree: trace .*run\\.jsonl, line ${at + 1}, chain: does not follow line ${at}: the line was edited`));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      if (cmd.includes('--json')) expect(JSON.parse(r.stdout).error.message).toMatch(/chain: does not follow/);
    }
    expect(readFileSync(trace, 'utf8')).toBe(damaged);
  });
});
