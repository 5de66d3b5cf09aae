/**
 * Typed results end to end with real Python: a scripted model calls `done()` with a wrong shape,
 * is told the schema's message, then calls it with the right one; the answer is typed by the
 * schema (checked by `tsc` below and by `npm run typecheck` on this file).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { Engine, RLM, ScriptedLLM, reduceAll, resultOf, type CompletionRequest } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const repl = (code: string) => '```repl\n' + code + '\n```';
const Speaker = z.object({ speaker: z.string(), speeches: z.number().int().nonnegative() });

let runtime: SubprocessRuntime;
beforeAll(() => {
  runtime = new SubprocessRuntime({ interruptGraceMs: 1000 });
});
afterAll(async () => {
  await runtime.close();
});

/** Replies: a wrong shape first (the count as a word), then the right one. */
function wrongThenRight(seen: CompletionRequest[]) {
  return new ScriptedLLM((req, { turn }) => {
    seen.push(req);
    if (turn === 0) return repl('done({"speaker": "GLOUCESTER", "speeches": "twelve"})');
    return repl('done({"speaker": "GLOUCESTER", "speeches": 12})');
  });
}

describe('typed results', () => {
  it('refuses a done() value of the wrong shape with the schema message; the next one is the typed answer', async () => {
    const seen: CompletionRequest[] = [];
    const engine = new Engine({ llm: wrongThenRight(seen), runtime });
    const steps: Parameters<typeof reduceAll>[1][] = [];
    const initial = engine.init('who speaks most?', 'GLOUCESTER: hi', { result: Speaker });
    const state = await engine.runFrom(initial, { onStep: (s) => void steps.push(s.events) });
    await engine.close();

    const answer = resultOf(state);
    expectTypeOf(answer).toEqualTypeOf<{ speaker: string; speeches: number }>();
    expect(answer).toEqual({ speaker: 'GLOUCESTER', speeches: 12 });

    const root = state.nodes.root!;
    expect(root.iteration).toBe(2);
    expect(root.cells.map((c) => c.status)).toEqual(['error', 'done']);
    expect(root.cells[0]!.error).toMatchObject({ type: 'ResultSchemaError' });
    // the model was told what was wrong, field by field, in the message after its first cell
    const told = seen[1]!.messages.at(-1)!.content;
    expect(told).toContain('ResultSchemaError');
    expect(told).toMatch(/expected number, received string\s+→ at speeches/);
    // the prompt showed the schema, and the state records it as JSON Schema
    expect(seen[0]!.messages[0]!.content).toContain('"speeches":{"type":"integer"');
    expect(initial.resultSchema).toMatchObject({ type: 'object', required: ['speaker', 'speeches'] });
    // the refusal is in the events: folding them again gives the same final state, no model or REPL
    let folded = initial;
    for (const events of steps) folded = reduceAll(folded, events);
    expect(folded).toEqual(state);
  });

  it('a state read back without the zod schema is still checked against the recorded JSON Schema', async () => {
    const seen: CompletionRequest[] = [];
    const typed = new Engine({ llm: wrongThenRight(seen), runtime }).init('q', 'ctx', { result: Speaker });
    const fresh = new Engine({ llm: wrongThenRight(seen), runtime });
    const state = await fresh.runFrom(structuredClone(typed));
    await fresh.close();
    expect(state.nodes.root!.cells.map((c) => c.status)).toEqual(['error', 'done']);
  });

  it('gives up at the iteration limit, never with the wrong value as the answer', async () => {
    const llm = new ScriptedLLM(() => repl('done("not an object")'));
    const engine = new Engine({ llm, runtime });
    const state = await engine.run('q', 'ctx', { result: Speaker, limits: { maxIterations: 2 } });
    await engine.close();
    expect(state.nodes.root!.error?.kind).toBe('iteration_limit');
    expect(() => resultOf(state)).toThrow(/iteration_limit/);
  });

  it('RLM.run and RLM.complete take the same result option', async () => {
    const rlm = new RLM({ llm: wrongThenRight([]), runtime });
    const run = await rlm.run('q', 'ctx', { result: Speaker });
    expectTypeOf(run.result).toEqualTypeOf<{ speaker: string; speeches: number }>();
    expect(run.result.speeches).toBe(12);
    const completion = await new RLM({ llm: wrongThenRight([]), runtime }).complete({ messages: [{ role: 'user', content: 'q' }], result: Speaker });
    expect(JSON.parse(completion.text)).toEqual({ speaker: 'GLOUCESTER', speeches: 12 });
  });
});

describe('the answer type, checked by tsc', () => {
  it('wrong uses of a typed answer fail to compile, exactly where the fixture marks them', async () => {
    const project = fileURLToPath(new URL('./compile/tsconfig.json', import.meta.url));
    const source = readFileSync(new URL('./compile/misuse.ts', import.meta.url), 'utf8').split('\n');
    const expected = source.flatMap((line, i) => {
      const m = /\/\/ EXPECT (TS\d+)/.exec(line);
      return m ? [`${i + 1} ${m[1]}`] : [];
    });
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    const out = await promisify(execFile)(process.execPath, [tsc, '-p', project]).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
    const got = [...out.matchAll(/misuse\.ts\((\d+),\d+\): error (TS\d+)/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(expected.length).toBe(2);
    expect(got).toEqual(expected);
  });
});
