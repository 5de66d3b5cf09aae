/**
 * Host calls as modules, through a real python3 REPL: arguments the host's schema rejects become
 * a catchable Python exception naming the field; a host call added as one module (with its
 * Python stub) works in a run and is answered from the record when the REPL is rebuilt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine, ScriptedLLM, builtinHostCalls, defineHostCall, isFinished, type RunState } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const repl = (code: string) => '```repl\n' + code + '\n```';

let runtime: SubprocessRuntime;
beforeAll(() => {
  runtime = new SubprocessRuntime({ interruptGraceMs: 1000 });
});
afterAll(async () => {
  await runtime.close();
});

async function runToEnd(engine: Engine, state: RunState): Promise<RunState> {
  let s = state;
  while (!isFinished(s)) s = await engine.step(s);
  return s;
}

describe('host call modules in a real REPL', () => {
  it('raises HostCallArgumentError naming the call and field, catchable as TypeError and as the call’s own error', async () => {
    const code = [
      'out = []',
      'try:',
      '    llm_query("hi", model=5)',
      'except HostCallArgumentError as e:',
      '    out.append(("llm", isinstance(e, TypeError), isinstance(e, LLMError), str(e)))',
      'try:',
      '    delegate("kid", "q", context={"a": 1})',
      'except DelegateError as e:',
      '    out.append(("delegate", type(e).__name__, str(e).split(":")[0:2]))',
      'done(out)',
    ].join('\n');
    const engine = new Engine({ llm: new ScriptedLLM([repl(code)]), runtime });
    const final = await runToEnd(engine, engine.init('root', 'ctx'));
    await engine.close();
    const [llm, del] = final.nodes.root!.result as [unknown[], unknown[]];
    expect(llm.slice(0, 3)).toEqual(['llm', true, true]);
    expect(String(llm[3])).toMatch(/^llm_query\(\): model: /);
    expect(del).toEqual(['delegate', 'HostCallArgumentError', ['delegate()', ' context']]);
  });

  it('adds a host call with one module and its Python stub; a rebuilt REPL gets the recorded answer', async () => {
    let calls = 0;
    const roll = defineHostCall({
      name: 'roll_dice',
      description: 'rolls n dice (host side)',
      args: z.object({ n: z.number().int().positive() }),
      answer: z.array(z.number().int()),
      python: 'def roll_dice(n=1):\n    """Rolls n dice on the host."""\n    return host_call("roll_dice", {"n": n}, HostCallError)\n',
      async handle({ n }) {
        calls += 1;
        return { answer: { ok: true, value: Array.from({ length: n }, (_, i) => ((calls * 7 + i * 3) % 6) + 1) } };
      },
    });
    const hostCalls = builtinHostCalls().register(roll);
    const replies = [repl('r = roll_dice(3)\nprint(r)'), repl('try:\n    roll_dice(0)\nexcept TypeError as e:\n    bad = str(e)\ndone([r, bad])')];
    const engine = new Engine({ llm: new ScriptedLLM(replies), runtime, hostCalls });
    let state = engine.init('root', 'ctx');
    state = await engine.step(state); // model
    state = await engine.step(state); // cell 0: roll_dice(3)
    const first = state.nodes.root!.cells[0]!;
    expect(first.calls).toMatchObject([{ name: 'roll_dice', args: { n: 3 }, answer: { ok: true } }]);
    await engine.close(); // the REPL is gone: the next cell needs a rebuilt one
    const rolled = calls;
    const final = await runToEnd(engine, state);
    await engine.close();
    const [r, bad] = final.nodes.root!.result as [number[], string];
    expect(r).toEqual((first.calls[0]!.answer as { value: number[] }).value);
    expect(bad).toMatch(/^roll_dice\(\): n: /);
    // Rebuilding re-ran cell 0 with the recorded answer: the module was not called again for it
    // (the refused roll_dice(0) never reaches the handler either).
    expect(calls).toBe(rolled);
  });
});
