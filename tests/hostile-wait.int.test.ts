/**
 * Agent code that waits on a handle it does not own, on real Python (SubprocessRuntime): a forged
 * handle, the agent itself, another agent's child. Each is a `DelegateError` for that agent,
 * shown to its model, never an engine crash ("no agent can advance", as on main before); the
 * trace replays to the same states.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, readTrace, replay, ScriptedLLM, TraceWriter } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const repl = (code: string) => '```repl\n' + code + '\n```';
// Hostile code reaches past the prelude's own handle check (wait() refuses a handle it did not
// hand out) by adding the id to the REPL's table, so the forged wait reaches the host.
const forge = (id: string) => `r = wait.__self__\nr.handles[${JSON.stringify(id)}] = AgentHandle(${JSON.stringify(id)}, "x")\nres = yield wait(r.handles[${JSON.stringify(id)}])\nprint("not reached")`;

const runtime = new SubprocessRuntime({ interruptGraceMs: 1000 });
afterAll(() => runtime.close());

describe('a wait on a handle the agent does not own', () => {
  it('forged, self and foreign handles are a DelegateError for that agent; the run finishes and its trace replays', async () => {
    const llm = new ScriptedLLM({
      rules: [
        { match: '^Query: sneaky', replies: [repl(forge('root.honest')), repl('done("sneaky recovered")')] },
        { match: '^Query: honest', replies: [repl('done("honest ok")')] },
        {
          match: '^Query: root',
          replies: [
            repl('x = 41'),
            repl(forge('root')),
            repl(forge('root.ghost')),
            repl('hs = [delegate("sneaky", "sneaky"), delegate("honest", "honest")]\nres = yield wait(*hs)'),
            repl('done([x + 1, res])'),
          ],
        },
      ],
    });
    const engine = new Engine({ llm, runtime });
    const path = join(mkdtempSync(join(tmpdir(), 'rlmtree-hostile-')), 'run.jsonl');
    let s = engine.init('root', 'ctx', { runId: 'hostile' });
    const writer = TraceWriter.create(path, s);
    const states = [s];
    s = await engine.runFrom(s, { onStep: (r) => void (writer.record(r, states.at(-1)), states.push(r.state)) });
    writer.close();
    await engine.close();

    const root = s.nodes.root!;
    expect(root.error).toBeNull();
    expect(root.result).toEqual([42, ['sneaky recovered', 'honest ok']]);
    const errors = root.cells.map((c) => c.error?.message ?? null);
    expect(errors[1]).toMatch(/^wait\(\): "root" is this agent itself; wait takes the handles this agent's delegate\(\) returned/);
    expect(errors[2]).toMatch(/^wait\(\): no agent "root.ghost" was delegated by agent root/);
    expect(root.cells[1]!.error!.type).toBe('DelegateError');
    expect(root.cells[1]!.output).not.toMatch(/not reached/);
    expect(root.messages.some((m) => m.role === 'user' && /DelegateError: wait\(\): "root" is this agent itself/.test(m.content))).toBe(true);
    expect(s.nodes['root.sneaky']!.cells[0]!.error!.message).toMatch(/"root.honest" is not a child of agent root.sneaky \(it is agent root's\)/);
    // The refused wait is in the record with its error answer, and replay gives every state.
    expect(root.cells[1]!.calls.at(-1)).toMatchObject({ name: 'wait', args: { handles: ['root'] }, answer: { ok: false } });
    expect(replay(await readTrace(path))).toEqual(states);

    // Resume from the point after the refused self-wait with a fresh engine: the root's REPL is
    // rebuilt (cells re-run, the refused wait met again from the record) and the run ends alike.
    const at = states.findIndex((st) => st.nodes.root!.cells.length === 2 && st.nodes.root!.status === 'READY');
    expect(at).toBeGreaterThan(0);
    const fresh = new Engine({ llm, runtime });
    const resumed = await fresh.runFrom(states[at]!);
    await fresh.close();
    expect(resumed.nodes.root!.error).toBeNull();
    expect(resumed.nodes.root!.result).toEqual([42, ['sneaky recovered', 'honest ok']]);
  });
});
