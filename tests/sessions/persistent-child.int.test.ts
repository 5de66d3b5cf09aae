/**
 * A persistent sub-agent: a child given three tasks with ask() keeps its variables across them
 * (its REPL goes on), tasks given while it works queue in order, per-child instructions reach its
 * system prompt, and a rebuilt REPL (a fork) answers ask from the record with no model call.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, ScriptedLLM, type CompletionRequest } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const block = (code: string) => '```repl\n' + code + '\n```';
const runtime = new SubprocessRuntime({ interruptGraceMs: 500 });
afterAll(() => runtime.close());

/** The child's replies by the task it is on (the query of its last turn-opening message). */
function childReply(request: CompletionRequest): string {
  const opening = request.messages.findLast((m) => m.role === 'user' && /Query: /.test(m.content))!.content;
  if (/Query: load/.test(opening)) return block('rows = [int(x) for x in CONTEXT.split(",")]\ndone(len(rows))');
  if (/Query: total/.test(opening)) return block('total = sum(rows)\ndone(total)');
  if (/Query: growth/.test(opening)) return block('done({"total": total, "growth": rows[-1] / rows[0], "tasks_seen": len(CONTEXTS)})');
  return block('done("?")');
}

describe('persistent sub-agents', () => {
  it('a child given three tasks keeps its variables across them', async () => {
    const calls: string[] = [];
    const llm = new ScriptedLLM((request, { turn }) => {
      const system = request.messages[0]!.content;
      if (/Instructions from the agent that delegated to you/.test(system)) {
        calls.push('child');
        expect(system).toContain('Keep your variables.');
        return childReply(request);
      }
      calls.push('root');
      // The root: delegate, then two more tasks to the same child (the third asked while the second is queued).
      if (turn === 0) return block('h = delegate("sales", "load", context="10,12,15,20", instructions="Keep your variables.")\n[n] = yield wait(h)\nprint(n)');
      return block('h2 = ask(h, "total")\nh3 = ask(h, "growth")\nr = yield wait(h3, h2)\ndone(r)');
    });
    const engine = new Engine({ llm, runtime });
    const states = [engine.init('root task', '')];
    while (states.at(-1)!.nodes.root!.status !== 'FINISHED') states.push(await engine.step(states.at(-1)!));
    const final = states.at(-1)!;
    expect(final.nodes.root!.result).toEqual([{ total: 57, growth: 2, tasks_seen: 3 }, 57]);
    const child = final.nodes['root.sales']!;
    expect(Object.keys(final.nodes)).toEqual(['root', 'root.sales']);
    expect(child.turns!.map((t) => [t.query, t.status, t.result])).toEqual([
      ['load', 'finished', 4],
      ['total', 'finished', 57],
      ['growth', 'finished', { total: 57, growth: 2, tasks_seen: 3 }],
    ]);
    // Tasks 2 and 3 used `rows` and `total` from earlier tasks: no cell of theirs reads CONTEXT.
    expect(child.cells.slice(1).every((c) => !/CONTEXT\b/.test(c.code))).toBe(true);

    // A fresh engine rebuilds the root's and the child's REPLs from the record (asks answered
    // from it): stepping the state after the asks again needs no model call for what was recorded.
    const asked = states.findIndex((s) => s.nodes['root.sales']?.turns?.length === 3);
    const fork = new Engine({ llm, runtime });
    const before = calls.length;
    let s = states[asked]!;
    while (s.nodes.root!.status !== 'FINISHED') s = await fork.step(s);
    expect(s.nodes.root!.result).toEqual(final.nodes.root!.result);
    // Only the two tasks still to do call the model; rebuilding the root (its delegate and asks) and
    // the child (its first task's cell) asked none.
    expect(calls.slice(before)).toEqual(['child', 'child']);
    await Promise.all([engine.close(), fork.close()]);
  });
});
