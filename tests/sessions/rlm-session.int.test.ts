/** `RLM` in session mode: `complete` calls that continue a conversation are turns of one session. */
import { afterAll, describe, expect, it } from 'vitest';
import { RLM, ScriptedLLM, type ChatMessage } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const block = (code: string) => '```repl\n' + code + '\n```';
const runtime = new SubprocessRuntime({ interruptGraceMs: 500 });
afterAll(() => runtime.close());

describe('RLM as an LLMClient keeping a session', () => {
  it('continues the REPL when the request repeats the conversation and its answer; starts over otherwise', async () => {
    const llm = new ScriptedLLM((request) => {
      const last = request.messages.findLast((m) => m.role === 'user' && /Query: /.test(m.content))!.content;
      if (/remember/.test(last)) return block('secret = 41\ndone("ok")');
      return block('done(str(globals().get("secret", "none")) + " " + str(len(CONTEXTS)))');
    });
    const rlm = new RLM({ llm, runtime, session: true });
    const first: ChatMessage[] = [{ role: 'user', content: 'remember a number' }];
    const a = await rlm.complete({ messages: first });
    expect(a.text).toBe('ok');
    const follow: ChatMessage[] = [...first, { role: 'assistant', content: a.text }, { role: 'user', content: 'what was it?' }];
    expect((await rlm.complete({ messages: follow })).text).toBe('41 2');
    expect(rlm.session!.turns).toHaveLength(2);
    // A conversation that does not continue the last one is a new session: no `secret` there.
    expect((await rlm.complete({ messages: [{ role: 'user', content: 'what was it?' }] })).text).toBe('none 1');
    await rlm.close();
    expect(rlm.session).toBeNull();
  });
});
