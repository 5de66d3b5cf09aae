/**
 * An in-memory `Runtime` for benchmarks of the engine alone: no Python. A cell's code is a tiny
 * command language: `DELEGATE <n>` delegates n children and waits for them, `DONE <json>`
 * finishes, anything else succeeds with no output. It isolates the engine's own cost (plan,
 * reduce, bookkeeping) from the REPL's.
 */
import type { CellResult, HostCallHandler, Repl, Runtime } from '@rlmtree/core';

class FakeRepl implements Repl {
  alive = true;
  async execute(code: string, host: HostCallHandler): Promise<CellResult> {
    const [cmd, arg = ''] = code.trim().split(/\s+(.*)/s);
    if (cmd === 'DELEGATE') {
      const handles: string[] = [];
      for (let i = 0; i < Number(arg); i++) {
        const a = await host({ name: 'delegate', args: { name: `c${i}`, query: 'child', context: null } });
        if (a.ok) handles.push(a.value as string);
      }
      return { status: 'suspended', output: '', outputChars: 0, awaiting: handles };
    }
    if (cmd === 'DONE') return { status: 'done', output: '', outputChars: 0, result: JSON.parse(arg) };
    return { status: 'ok', output: 'ok\n', outputChars: 3 };
  }
  async resume(): Promise<CellResult> {
    return { status: 'done', output: '', outputChars: 0, result: 'all children done' };
  }
  async close(): Promise<void> {
    this.alive = false;
  }
}

/** See the file comment. */
export class FakeRuntime implements Runtime {
  readonly name = 'fake';
  async open(): Promise<Repl> {
    return new FakeRepl();
  }
  async close(): Promise<void> {}
}
