/**
 * An in-memory `Runtime` with no Python, for benchmarks of the engine alone and for tests of
 * code above the runtime (engine, CLI, a new LLM client in an engine loop). Each cell's code is
 * read by a `FakeCellInterpreter`; the default one is a tiny command language:
 *
 * - `DELEGATE <n>` delegates n children (`c0`, `c1`, …) and waits for them (a wake then
 *   finishes with `'all children done'`);
 * - `QUERY <prompt>` makes one `llm_query` sub-call and prints its answer;
 * - `DONE <json>` finishes the agent with that value;
 * - `ERROR <message>` ends the cell with a `ValueError`;
 * - anything else succeeds and prints `ok`.
 *
 * The engine's REPL setup code (`isAgentSetupCode`) succeeds silently on every interpreter.
 *
 * It isolates the engine's own cost (plan, reduce, bookkeeping) from the REPL's.
 */
import { isAgentSetupCode } from '../engine/agent-setup.ts';
import type { CellResult, ExecOptions, HostCallHandler, Repl, ReplOptions, Runtime, WaitResult } from '../runtime/runtime.ts';

/** Reads one cell (`execute`) or wakes a suspended one (`wake`) on a fake REPL. */
export interface FakeCellInterpreter {
  /** Runs `code`; the host answers its host calls. */
  execute(code: string, host: HostCallHandler, options: ExecOptions, repl: ReplOptions): Promise<CellResult>;
  /** Wakes a cell that returned `suspended`, with the awaited children's results. */
  wake(results: readonly WaitResult[], host: HostCallHandler, options: ExecOptions, repl: ReplOptions): Promise<CellResult>;
}

const result = (output: string, extra: Partial<CellResult> & Pick<CellResult, 'status'>): CellResult => ({ output, outputChars: output.length, ...extra });

/** The command language of the file comment. */
export const fakeCommands: FakeCellInterpreter = {
  async execute(code, host) {
    const [cmd, arg = ''] = code.trim().split(/\s+(.*)/s);
    if (cmd === 'DELEGATE') {
      const handles: string[] = [];
      for (let i = 0; i < Number(arg); i++) {
        const a = await host({ name: 'delegate', args: { name: `c${i}`, query: 'child', context: null } });
        if (a.ok) handles.push(a.value as string);
      }
      return result('', { status: 'suspended', awaiting: handles });
    }
    if (cmd === 'QUERY') {
      const a = await host({ name: 'llm_query', args: { prompt: arg, model: null } });
      return result(`${a.ok ? String(a.value) : `LLMError: ${a.error}`}\n`, { status: 'ok' });
    }
    if (cmd === 'DONE') return result('', { status: 'done', result: JSON.parse(arg) });
    if (cmd === 'ERROR') return result('', { status: 'error', error: { type: 'ValueError', message: arg, traceback: `Traceback (most recent call last):\nValueError: ${arg}` } });
    return result('ok\n', { status: 'ok' });
  },
  async wake() {
    return result('', { status: 'done', result: 'all children done' });
  },
};

class FakeRepl implements Repl {
  private open = true;
  private readonly interpreter: FakeCellInterpreter;
  private readonly options: ReplOptions;

  constructor(interpreter: FakeCellInterpreter, options: ReplOptions) {
    this.interpreter = interpreter;
    this.options = options;
  }

  get alive(): boolean {
    return this.open;
  }

  execute(code: string, host: HostCallHandler, options: ExecOptions): Promise<CellResult> {
    if (!this.open) return Promise.resolve(result('', { status: 'crashed', message: 'the fake REPL is closed' }));
    // The engine's setup of a fresh REPL binds Python names; with no Python there is nothing to bind.
    if (isAgentSetupCode(code)) return Promise.resolve(result('', { status: 'ok' }));
    return this.interpreter.execute(code, host, options, this.options);
  }

  wake(results: readonly WaitResult[], host: HostCallHandler, options: ExecOptions): Promise<CellResult> {
    if (!this.open) return Promise.resolve(result('', { status: 'crashed', message: 'the fake REPL is closed' }));
    return this.interpreter.wake(results, host, options, this.options);
  }

  async close(): Promise<void> {
    this.open = false;
  }
}

/** See the file comment. `opened` lists the options of every REPL opened, in order. */
export class FakeRuntime implements Runtime {
  readonly name = 'fake';
  /** What each `open` was asked for (agent id, context, tools), oldest first. */
  readonly opened: ReplOptions[] = [];
  private readonly interpreter: FakeCellInterpreter;

  /** @param interpreter reads the cells (default: `fakeCommands`). */
  constructor(interpreter: FakeCellInterpreter = fakeCommands) {
    this.interpreter = interpreter;
  }

  /** A fresh fake REPL. Never rejects. */
  async open(options: ReplOptions): Promise<Repl> {
    this.opened.push(options);
    return new FakeRepl(this.interpreter, options);
  }

  /** Nothing to stop. Never rejects. */
  async close(): Promise<void> {}
}
