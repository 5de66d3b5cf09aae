/**
 * Interventions live in the state (`state.pending`), so they survive any round trip: for random
 * interventions made between random steps, each intervened state sent through a checkpoint store
 * or a state file before it is stepped, the live run's states and the states replayed from its
 * trace are equal (on main before this, a round trip lost the pending interventions kept in a
 * WeakMap keyed by the state object, and replay came out a message short).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from './checkpoint/memory-store.ts';
import { cancelAgent, injectMessage, pendingInterventions, setLimits, setResult } from './control.ts';
import { Engine } from './engine/engine.ts';
import { ScriptedLLM } from './llm/scripted.ts';
import { isFinished } from './plan.ts';
import type { RunState } from './schema/state.ts';
import { directive, fakeRuntime } from './testing/directive-runtime.ts';
import { readTrace } from './trace/reader.ts';
import { replay } from './trace/replay.ts';
import { parseState, serializeState } from './checkpoint/state-file.ts';
import { TraceWriter } from './trace/writer.ts';

const op = fc.oneof(
  fc.record({ kind: fc.constant('inject' as const), text: fc.string({ maxLength: 12 }), child: fc.boolean() }),
  fc.record({ kind: fc.constant('limits' as const), chars: fc.integer({ min: 500, max: 5000 }) }),
  fc.record({ kind: fc.constant('cancel-child' as const) }),
  fc.record({ kind: fc.constant('result-child' as const), value: fc.integer() }),
);
const between = fc.record({ ops: fc.array(op, { maxLength: 3 }), trip: fc.constantFrom('none', 'store', 'state-file') });

/** A child of the root, if any (interventions on children exercise other agents). */
const childOf = (s: RunState) => Object.keys(s.nodes).find((id) => id !== s.rootId && s.nodes[id]!.status !== 'FINISHED');

describe('interventions in the state', () => {
  it('random interventions and checkpoint / state-file round trips: live and replayed states are equal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rlmtree-intervene-'));
    let n = 0;
    let tripped = 0;
    let delegated = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(directive, { minLength: 1, maxLength: 8 }), fc.array(between, { minLength: 1, maxLength: 20 }), async (script, plan) => {
        let call = 0;
        const llm = new ScriptedLLM((req) => {
          if (req.messages.length === 1) return `sub answer to ${req.messages[0]!.content}`;
          const d = script[call++ % script.length]!;
          return d === null ? 'no code this time' : '```repl\n' + JSON.stringify(d) + '\n```';
        });
        const engine = new Engine({ llm, runtime: fakeRuntime, concurrency: 2 });
        let s = engine.init('query', 'ctx '.repeat(50), { limits: { maxIterations: 4, maxDepth: 2 } });
        const writer = TraceWriter.create(join(dir, `run${n++}.jsonl`), s, { blobThreshold: 64 });
        const live = [s];
        for (let i = 0; !isFinished(s) && i < 40; i++) {
          const b = plan[i % plan.length]!;
          let from = s;
          for (const o of b.ops) {
            const child = childOf(from);
            if (o.kind === 'inject') from = injectMessage(from, o.child && child ? child : from.rootId, `note ${i}: ${o.text}`);
            else if (o.kind === 'limits') from = setLimits(from, { maxOutputChars: o.chars });
            else if (o.kind === 'cancel-child' && child) from = cancelAgent(from, child);
            else if (o.kind === 'result-child' && child) from = setResult(from, child, o.value);
          }
          if (b.trip !== 'none' && pendingInterventions(from)) {
            tripped += 1;
            const before = from;
            if (b.trip === 'store') {
              const store = new MemoryCheckpointStore();
              await store.put(from);
              from = (await store.get(from.runId))!;
            } else from = parseState(serializeState(from));
            expect(from).toEqual(before); // pending interventions included
          }
          if (isFinished(from)) break; // an intervention may finish the root; nothing to step
          const result = await engine.stepWithEvents(from);
          writer.record(result, from);
          s = result.state;
          expect(s.pending).toBeUndefined(); // recorded with the step
          live.push(s);
        }
        writer.close();
        await engine.close();
        expect(replay(await readTrace(writer.path))).toEqual(live);
        for (const node of Object.values(s.nodes)) expect(node.error?.kind, node.error?.message).not.toBe('runtime_error');
        if (Object.keys(s.nodes).length > 1) delegated += 1;
      }),
      { numRuns: 60 },
    );
    expect(tripped).toBeGreaterThan(20); // the round trips did happen
    expect(delegated).toBeGreaterThan(10); // and children ran beside the interventions
  });
});
