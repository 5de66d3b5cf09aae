/** A session's trace answers a re-run of the session through ReplayLLM: turn events and compacted prompts included. */
import { afterAll, describe, expect, it } from 'vitest';
import { ReplayLLM, ScriptedLLM, Session } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const block = (code: string) => '```repl\n' + code + '\n```';
const runtime = new SubprocessRuntime({ interruptGraceMs: 500 });
afterAll(() => runtime.close());

describe('ReplayLLM over a session trace', () => {
  it('answers every turn of a session whose earlier outputs were compacted', async () => {
    const replies = [
      block('rows = list(range(40))\nprint("\\n".join(f"row {r}" for r in rows))'),
      block('done(len(rows))'),
      block('done(sum(rows))'),
      block('done(ANSWERS[0] + ANSWERS[1])'),
    ];
    const first = Session.create({ llm: new ScriptedLLM(replies), runtime });
    const turns = ['count', 'sum', 'add'];
    const answers = [];
    for (const [i, t] of turns.entries()) answers.push((await first.send(t, i === 0 ? { context: 'data' } : {})).answer);
    expect(answers).toEqual(['40', '780', '820']);
    // Turn 1 was sent turn 0's 40-line output cut to 20 lines.
    const replay = new ReplayLLM(first.trace!);
    const again = Session.create({ llm: replay, runtime });
    const replayed = [];
    for (const [i, t] of turns.entries()) replayed.push((await again.send(t, i === 0 ? { context: 'data' } : {})).answer);
    expect(replayed).toEqual(answers);
    expect(replay.callCount).toBe(4);
    await Promise.all([first.close(), again.close()]);
  });
});
