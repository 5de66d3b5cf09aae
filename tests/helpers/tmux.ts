/** A tmux session for the tests that need a real terminal (`rlmtree chat`, `run -c -`). */
import { execFileSync } from 'node:child_process';

/** One named tmux session: send keys to it and read its screen. */
export class TmuxSession {
  /** The session's name. */
  readonly name: string;
  /** @param name a name unique to the test (e.g. with the test process's pid). */
  constructor(name: string) {
    this.name = name;
  }

  /** Runs `tmux <args>` and returns its stdout. @throws Error when tmux exits non-zero. */
  tmux(...args: string[]): string {
    return execFileSync('tmux', args, { encoding: 'utf8' });
  }

  /** The pane's text, with up to 200 lines of scrollback. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.name, '-S', '-200');
  }

  /**
   * Polls the screen every 100 ms until `test` holds; returns that screen.
   * @throws Error naming `what`, with the screen, after `ms` (ms).
   */
  async waitFor(test: (text: string) => boolean, what: string, ms = 30_000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const text = this.screen();
      if (test(text)) return text;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; the screen:\n${text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Ends the session; fine when it is gone already. */
  kill(): void {
    try {
      this.tmux('kill-session', '-t', this.name);
    } catch {
      // already gone
    }
  }
}
