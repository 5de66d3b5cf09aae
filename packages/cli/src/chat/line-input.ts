/**
 * Line input for `rlmtree chat` (node:readline): one prompt at a time, and Ctrl-C with two
 * meanings. While a turn runs, Ctrl-C cancels it; at the prompt, Ctrl-C (or Ctrl-D, end of
 * input) ends the chat. On a terminal readline keeps it in raw mode, so Ctrl-C arrives as a key
 * and no SIGINT reaches the REPL processes (which share the terminal's process group); on piped
 * input a SIGINT sent to this process means the same.
 */
import { createInterface, type Interface } from 'node:readline';

/** Reads lines and routes Ctrl-C. */
export class LineInput {
  private readonly rl: Interface;
  private readonly lines: AsyncIterator<string>;
  private onInterrupt: (() => void) | null = null;
  /** Ctrl-C at the prompt: the chat ends (end of input ends it through the line iterator). */
  private interrupted = false;
  private wake: (() => void) | null = null;
  private readonly onSignal = () => this.interrupt();

  /** @param input where lines come from; @param output where the prompt goes. */
  constructor(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout) {
    const terminal = (input as NodeJS.ReadStream).isTTY === true && (output as NodeJS.WriteStream).isTTY === true;
    this.rl = createInterface({ input, output, terminal });
    // The async iterator buffers lines that arrive while a turn runs (piped input).
    this.lines = this.rl[Symbol.asyncIterator]();
    this.rl.on('SIGINT', this.onSignal);
    process.on('SIGINT', this.onSignal);
  }

  private interrupt(): void {
    if (this.onInterrupt) this.onInterrupt();
    else {
      this.interrupted = true;
      this.wake?.();
    }
  }

  /** Shows `prompt` and reads one line; null when the chat should end (Ctrl-C at the prompt, end of input). */
  async ask(prompt: string): Promise<string | null> {
    if (this.interrupted) return null;
    this.rl.setPrompt(prompt);
    this.rl.prompt();
    const stop = new Promise<null>((resolve) => {
      this.wake = () => resolve(null);
    });
    const next = this.lines.next().then((r) => (r.done ? null : r.value));
    const line = await Promise.race([next, stop]);
    this.wake = null;
    return this.interrupted ? null : line;
  }

  /**
   * Runs `work` with Ctrl-C calling `cancel` (the first time) and `force` (a second time, while
   * the cancel has not ended the work yet).
   */
  async whileRunning<T>(cancel: () => void, force: () => void, work: () => Promise<T>): Promise<T> {
    let presses = 0;
    this.onInterrupt = () => (++presses === 1 ? cancel() : force());
    try {
      return await work();
    } finally {
      this.onInterrupt = null;
    }
  }

  /** Stops reading (restores the terminal). */
  close(): void {
    process.off('SIGINT', this.onSignal);
    this.rl.close();
  }
}
