/**
 * The fake REPL of core's property tests: a cell's code is a JSON `Directive` saying what to
 * print, which sub-calls to make, whom to delegate and wait for, and how to end; `directive`
 * generates them (fast-check). Built on `FakeRuntime`. Not exported from core.
 */
import fc from 'fast-check';
import type { CellResult, HostCallHandler } from '../runtime/runtime.ts';
import { FakeRuntime } from './fake-runtime.ts';

/** What the fake REPL does with a cell: print, make sub-calls, delegate and wait, then end. */
export interface Directive {
  out: string;
  sub: string[];
  del: string[];
  end: 'ok' | 'done' | 'error';
}
/** fast-check generator of cells for the fake REPL: a `Directive` as JSON code, or null for a reply with no code block. */
export const directive: fc.Arbitrary<Directive | null> = fc.option(
  fc.record({
    out: fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ maxLength: 3 }).map((s) => `${s}!`.repeat(40))),
    sub: fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }),
    del: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 2 }),
    end: fc.constantFrom('ok', 'done', 'error'),
  }),
  { freq: 5 },
);

/** A runtime whose cells are `Directive`s. */
export const fakeRuntime = new FakeRuntime({
  async execute(code: string, host: HostCallHandler): Promise<CellResult> {
    const d = JSON.parse(code) as Directive;
    let output = d.out;
    for (const p of d.sub) {
      const a = await host({ name: 'llm_query', args: { prompt: p, model: null } });
      output += a.ok ? String(a.value) : a.error;
    }
    const handles: string[] = [];
    for (const name of d.del) {
      const a = await host({ name: 'delegate', args: { name, query: `sub ${name}`, context: null } });
      if (a.ok) handles.push(String(a.value));
    }
    if (handles.length) return { status: 'suspended', awaiting: handles, output, outputChars: output.length };
    return end(d.end, output);
  },
  async wake(results): Promise<CellResult> {
    return end('done', `woken with ${JSON.stringify(results)}`);
  },
});

function end(kind: Directive['end'], output: string): CellResult {
  if (kind === 'done') return { status: 'done', result: output.length, output, outputChars: output.length };
  if (kind === 'error') return { status: 'error', error: { type: 'ValueError', message: 'bad', traceback: 'Traceback: ValueError: bad' }, output, outputChars: output.length };
  return { status: 'ok', output, outputChars: output.length };
}
