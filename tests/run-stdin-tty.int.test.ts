/**
 * `rlmtree run -c -` on a real terminal (tmux) says that it waits for the context on stdin and
 * how to end it, instead of waiting silently; the context typed there is the run's `CONTEXT`.
 * Piped input gets no such line.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from './helpers/cli.ts';
import { needs, skipNote } from './helpers/parts.ts';
import { TmuxSession } from './helpers/tmux.ts';

const POLICY = join(ROOT, 'tests/fixtures/chat-policy.mjs'); // `load` answers "loaded <n> words" of CONTEXT
const NOTICE = 'reading the context from stdin (the terminal)';

const missing = needs('tmux');
describe.skipIf(missing)(`run -c - on a terminal${skipNote(missing)}`, () => {
  const term = new TmuxSession(`rlmtree-run-stdin-${process.pid}`);
  afterAll(() => term.kill());

  it('says it waits for stdin, then runs on what was typed up to Ctrl-D', async () => {
    const command = `${process.execPath} ${BIN} run load -c - --model scripted:${POLICY} --no-live; echo RUN-EXIT=$?; sleep 30`;
    term.tmux('new-session', '-d', '-s', term.name, '-x', '150', '-y', '30', '-c', ROOT, command);
    const waiting = await term.waitFor((t) => t.includes(NOTICE), 'the stdin notice');
    expect(waiting).toContain('press Ctrl-D on a new line');
    expect(waiting).not.toContain('RUN-EXIT');
    term.tmux('send-keys', '-t', term.name, 'one two three', 'Enter');
    term.tmux('send-keys', '-t', term.name, 'C-d');
    const done = await term.waitFor((t) => t.includes('RUN-EXIT='), 'the run to end');
    expect(done).toContain('loaded 3 words');
    expect(done).toContain('RUN-EXIT=0');
  }, 60_000);

  it('prints no notice when stdin is a pipe', async () => {
    const r = await runCli(['run', 'load', '-c', '-', '--model', `scripted:${POLICY}`, '--no-live'], { input: 'one two three four\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('loaded 4 words');
    expect(r.stderr).not.toContain(NOTICE);
  }, 60_000);
});
