/**
 * The live terminal view under a real pseudo-terminal (tmux, on its own socket): the demo run's
 * tree redrawn in place with the progress line, and the root's streamed tokens shown mid-reply.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs, skipNote } from '../helpers/parts.ts';

const missing = needs('tmux');
describe.skipIf(missing)(`live-view${skipNote(missing)}`, () => {
  const REPO = new URL('../../', import.meta.url).pathname;
  const SOCKET = `rlmtree-live-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

  /** Starts `command` in a detached 120x40 tmux session named `name`. */
  function start(name: string, command: string): void {
    tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', `cd ${quote(REPO)} && ${command}; echo "EXIT=$?"; sleep 300`);
  }
  /** The visible screen (`history`: with the scrollback). */
  const screen = (name: string, history = false) => tmux('capture-pane', '-p', '-t', name, ...(history ? ['-S', '-'] : []));
  async function waitFor(name: string, pattern: RegExp, ms = 60_000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const text = screen(name);
      if (pattern.test(text)) return text;
      if (Date.now() > until) throw new Error(`screen never matched ${pattern}:\n${text}`);
      await sleep(100);
    }
  }

  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rlmtree-live-'));
  });
  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    await rm(dir, { recursive: true, force: true });
  });

  describe('live view on a terminal', () => {
    it('draws the demo run\'s tree in place with the progress line, then the answer', async () => {
      const run = `${quote(process.execPath)} packages/cli/bin/rlmtree.js run "Which speaker has the most speeches in this text, and how many?" --context examples/data/tinyshakespeare.txt --model scripted:examples/speakers/policy.mjs`;
      start('demo', run);
      const text = await waitFor('demo', /EXIT=\d+/);
      expect(text).toContain('EXIT=0');
      const lines = text.split('\n');
      expect(lines.some((l) => /^✓ root \[finished\] iter 2 → "GLOUCESTER has the most speeches: 229"/.test(l))).toBe(true);
      for (const [i, branch] of ['├──', '├──', '├──', '└──'].entries()) {
        expect(lines.some((l) => l.startsWith(`${branch} ✓ root.part_${i} [finished] iter 1 → {`))).toBe(true);
      }
      expect(text).toMatch(/step 7 · agents 5\/5 finished · LLM calls 6 · tokens \d+ · \$0\.0000 · \d+\.\ds/);
      expect(lines).toContain('GLOUCESTER has the most speeches: 229');
      // Redrawn in place: one frame left in the whole scrollback, not one per step.
      const history = screen('demo', true);
      expect(history.match(/agents \d+\/\d+ finished/g)).toHaveLength(1);
      expect(history.match(/^✓ root \[/gm)).toHaveLength(1);
    });

    it('shows the root model\'s streamed tokens while it replies', async () => {
      const gate = join(dir, 'gate');
      start('stream', `${quote(process.execPath)} tests/live-view/streaming-run.ts ${quote(gate)}`);
      const mid = await waitFor('stream', /root ▸/);
      expect(mid).toMatch(/root ▸ Let me size up the context/);
      expect(mid).toMatch(/○ root \[ready\] iter 0 calling the model…/);
      expect(mid).toMatch(/step 0 · agents 0\/1 finished · LLM calls 0 \(\+1 running\)/);
      await writeFile(gate, '');
      const end = await waitFor('stream', /EXIT=\d+/);
      expect(end).toContain('EXIT=0');
      expect(end).toContain('GLOUCESTER has the most speeches: 229');
      expect(end).toMatch(/agents 5\/5 finished/);
      expect(end).not.toContain('root ▸');
    });
  });
});
