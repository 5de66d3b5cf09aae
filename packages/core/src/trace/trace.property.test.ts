/**
 * Property tests (fast-check): serialize -> parse -> serialize of random run states is the
 * identity, and replaying a recorded trace reproduces every state of random engine runs.
 * The engine runs use an in-memory fake REPL (a unit test of the trace around the engine;
 * real Python is exercised in tests/fork-restore.int.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { produce } from 'immer';
import { describe, expect, it } from 'vitest';
import { injectMessage, setLimits } from '../control.ts';
import { createRun } from '../create.ts';
import { Engine } from '../engine/engine.ts';
import { ScriptedLLM } from '../llm/scripted.ts';
import { isFinished } from '../plan.ts';
import type { AgentNode, Json, RunState } from '../schema/state.ts';
import { parseState, serializeState } from '../checkpoint/state-file.ts';
import { readTrace } from './reader.ts';
import { replay } from './replay.ts';
import { TraceWriter } from './writer.ts';
import { directive, fakeRuntime } from '../testing/directive-runtime.ts';

// Any UTF-16 string (lone surrogates and U+0000 included), sometimes long enough to be a blob.
const text = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  // Strings that look like the codec's escapes and blob references must come back unchanged.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('\u0000', '\u0000\u0000', `\u0000blob:sha256:${'a'.repeat(64)}`), fc.string({ maxLength: 5 })).map(([p, s]) => p + s) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.integer({ min: 600, max: 1200 })).map(([s, n]) => s.repeat(n)) },
);
const json: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
    text,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('v'), { maxKeys: 3 }),
  ),
})).v;
const usage = fc.record({ inputTokens: fc.nat(), outputTokens: fc.nat(), cachedTokens: fc.nat(), costUsd: fc.double({ min: 0, max: 10, noNaN: true }), llmCalls: fc.nat() });
const cell = fc.record({
  code: text,
  calls: fc.array(fc.record({ name: fc.constantFrom('llm_query', 'tool', 'delegate'), args: json, answer: fc.oneof(fc.constant(null), json.map((value) => ({ ok: true as const, value })), text.map((error) => ({ ok: false as const, error }))) }), { maxLength: 2 }),
  output: text,
  outputChars: fc.nat(),
  status: fc.constantFrom('ok', 'error', 'done', 'timeout', 'crashed', 'suspended'),
  error: fc.option(fc.record({ type: text, message: text, traceback: text })),
});
const node = fc.record({
  query: text,
  context: fc.oneof(text, fc.array(text, { maxLength: 3 })),
  status: fc.constantFrom('READY', 'EXECUTING', 'SUPERVISING', 'FINISHED'),
  iteration: fc.nat(50),
  messages: fc.array(fc.record({ role: fc.constantFrom('system', 'user', 'assistant'), content: text }), { maxLength: 4 }),
  pendingCode: fc.option(text),
  cells: fc.array(cell, { maxLength: 3 }),
  result: json,
  error: fc.option(fc.record({ kind: fc.constantFrom('cancelled', 'llm_error', 'iteration_limit'), message: text })),
  usage,
});
const state: fc.Arbitrary<RunState> = fc
  .tuple(fc.string({ maxLength: 12 }), fc.nat(1000), fc.double({ min: 0, max: 1e7, noNaN: true }), fc.array(node, { minLength: 1, maxLength: 4 }), fc.array(fc.record({ name: fc.string({ maxLength: 8 }), description: text }), { maxLength: 2 }))
  .map(([runId, step, elapsedMs, nodes, tools]) =>
    produce(createRun('q', 'c', { runId: runId || 'r', tools }), (d) => {
      d.step = step;
      d.elapsedMs = elapsedMs;
      d.nodes = {};
      nodes.forEach((n, i) => {
        const id = i === 0 ? 'root' : `root.n${i}`;
        d.nodes[id] = {
          ...n,
          id,
          name: id,
          parentId: i === 0 ? null : 'root',
          depth: i === 0 ? 0 : 1,
          cells: n.cells.map((c, index) => ({ ...c, index })),
          children: i === 0 ? nodes.slice(1).map((_, j) => `root.n${j + 1}`) : [],
          awaiting: [],
        } as AgentNode;
      });
    }),
  );

describe('properties', () => {
  it('serialize -> parse -> serialize of random run states is the identity (and parse gives the state back)', () => {
    fc.assert(
      fc.property(state, (s) => {
        const once = serializeState(s);
        const back = parseState(once);
        expect(back).toEqual(s);
        expect(serializeState(back)).toBe(once);
      }),
      { numRuns: 150 },
    );
  });

  it('replaying a recorded trace reproduces every state of random engine runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rlmtree-prop-'));
    let n = 0;
    let delegated = 0;
    let cellsRan = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(directive, { minLength: 1, maxLength: 12 }), fc.array(fc.constantFrom('none', 'inject', 'limit'), { maxLength: 30 }), async (plan, interventions) => {
        let call = 0;
        const llm = new ScriptedLLM((req) => {
          if (req.messages.length === 1) return `sub answer to ${req.messages[0]!.content}`;
          const d = plan[call++ % plan.length]!;
          return d === null ? 'no code this time' : '```repl\n' + JSON.stringify(d) + '\n```';
        });
        const engine = new Engine({ llm, runtime: fakeRuntime, concurrency: 3 });
        const path = join(dir, `run${n++}.jsonl`);
        let s = engine.init('query', 'ctx '.repeat(300), { limits: { maxIterations: 4, maxDepth: 2 } });
        const writer = TraceWriter.create(path, s, { blobThreshold: 64 });
        const states = [s];
        for (let i = 0; !isFinished(s) && i < 60; i++) {
          const what = interventions[i % Math.max(1, interventions.length)] ?? 'none';
          let from = s;
          if (what === 'inject') from = injectMessage(s, 'root', `note ${i}`);
          if (what === 'limit') from = setLimits(s, { maxOutputChars: 1000 + i });
          const result = await engine.stepWithEvents(from);
          writer.record(result, from);
          s = result.state;
          states.push(s);
        }
        writer.close();
        await engine.close();
        expect(replay(await readTrace(path))).toEqual(states);
        // The fake REPL ran the cells: no agent failed in its runtime (as when it could not read
        // the REPL's setup code and every run ended at its first cell).
        for (const node of Object.values(s.nodes)) expect(node.error?.kind, node.error?.message).not.toBe('runtime_error');
        if (Object.keys(s.nodes).length > 1) delegated += 1;
        cellsRan += Object.values(s.nodes).reduce((k, node) => k + node.cells.length, 0);
      }),
      { numRuns: 40 },
    );
    expect(delegated).toBeGreaterThan(5); // children were made and run
    expect(cellsRan).toBeGreaterThan(40);
  });
});

