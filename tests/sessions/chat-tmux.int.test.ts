/**
 * `rlmtree chat` on a real pseudo-terminal (tmux): two turns, Ctrl-C in the middle of the second
 * (the prompt comes back, the session is as before the turn, the next turn works), Ctrl-C at the
 * prompt ends the chat, and no process (REPL included) is left behind.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrace, replay } from '@rlmtree/core';
import { BIN, ROOT } from '../helpers/cli.ts';
import { needs, skipNote } from '../helpers/parts.ts';
import { isAlive } from '../helpers/processes.ts';
import { TmuxSession } from '../helpers/tmux.ts';

const missing = needs('tmux');
describe.skipIf(missing)(`chat-tmux${skipNote(missing)}`, () => {
  const term = new TmuxSession(`rlmtree-chat-${process.pid}`);
  const NAME = term.name;
  const POLICY = join(ROOT, 'tests/fixtures/chat-policy.mjs');
  const tmux = (...args: string[]) => term.tmux(...args);
  const waitFor = (test: (text: string) => boolean, what: string, ms?: number) => term.waitFor(test, what, ms);

  /** Every process below `pid`. */
  function descendants(pid: number): number[] {
    let kids: number[] = [];
    try {
      kids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
    return kids.flatMap((k) => [k, ...descendants(k)]);
  }


  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rlmtree-chat-'));
    await writeFile(join(dir, 'ctx.txt'), 'one two three four\n');
  });
  afterAll(async () => {
    try {
      tmux('kill-session', '-t', NAME);
    } catch {
      // already gone
    }
    await rm(dir, { recursive: true, force: true });
  });

  describe('rlmtree chat in a terminal', () => {
    it('two turns, Ctrl-C cancels the second mid-cell, the next turn works, Ctrl-C at the prompt exits, nothing is left running', async () => {
      const trace = join(dir, 'chat.jsonl');
      const command = `${process.execPath} ${BIN} chat --context ${join(dir, 'ctx.txt')} --model scripted:${POLICY} --trace ${trace}; echo CHAT-EXIT=$?; sleep 30`;
      tmux('new-session', '-d', '-s', NAME, '-x', '150', '-y', '45', '-c', ROOT, command);
      const shell = Number(tmux('list-panes', '-t', NAME, '-F', '#{pane_pid}').trim());
      const prompts = (t: string) => t.split('\n').filter((l) => l.startsWith('you>')).length;

      await waitFor((t) => prompts(t) === 1, 'the first prompt');
      tmux('send-keys', '-t', NAME, 'load', 'Enter');
      await waitFor((t) => t.includes('loaded 4 words') && prompts(t) === 2, 'the first answer');

      tmux('send-keys', '-t', NAME, 'slow', 'Enter');
      // The cell sleeps in the root's python REPL: wait until it runs, then interrupt.
      await waitFor((t) => /ran|running|cell/.test(t.split('you> slow')[1] ?? ''), 'the slow turn to start');
      await new Promise((r) => setTimeout(r, 800));
      const seen = descendants(shell);
      expect(seen.length).toBeGreaterThanOrEqual(2); // node, and its python REPL
      tmux('send-keys', '-t', NAME, 'C-c');
      const cancelled = await waitFor((t) => t.includes('was cancelled') && prompts(t) === 3, 'the cancel and a new prompt', 10_000);
      expect(cancelled).not.toContain('too late');

      tmux('send-keys', '-t', NAME, 'count', 'Enter');
      await waitFor((t) => t.includes('still 4 words after 2 turns') && prompts(t) === 4, 'the turn after the cancel');

      tmux('send-keys', '-t', NAME, 'C-c');
      await waitFor((t) => t.includes('CHAT-EXIT=0'), 'the chat to exit', 10_000);
      const left = [...seen, ...descendants(shell)].filter((p) => p !== shell && isAlive(p) && !/sleep/.test(execFileSync('ps', ['-o', 'comm=', '-p', String(p)], { encoding: 'utf8' })));
      expect(left).toEqual([]);

      // The trace holds the two answered turns and nothing of the cancelled one.
      const states = replay(await readTrace(trace));
      expect(states.at(-1)!.nodes.root!.turns!.map((t) => t.query)).toEqual(['load', 'count']);
    });
  });
});
