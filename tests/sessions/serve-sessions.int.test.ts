/**
 * `rlmtree serve` keeps conversations: a request that resends the conversation plus a new user
 * message, or names the session in `x-rlmtree-session`, is the next turn of the same session and
 * REPL; an idle session is closed with its REPL and naming it then is a 404.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ScriptedLLM } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { createServeApp } from '../../packages/cli/src/serve/app.ts';
import { ServeRunner } from '../../packages/cli/src/serve/runner.ts';
import { ServeSessions, SESSION_HEADER } from '../../packages/cli/src/serve/sessions.ts';

const block = (code: string) => '```repl\n' + code + '\n```';
const runtime = new SubprocessRuntime({ interruptGraceMs: 500 });
afterAll(() => runtime.close());

describe('serve sessions', () => {
  it('continues by message prefix and by session header, and expires idle sessions', async () => {
    let clock = 0;
    const sessions = new ServeSessions({ idleMs: 60_000, now: () => clock });
    const llm = new ScriptedLLM((request) => {
      const last = request.messages.findLast((m) => m.role === 'user' && /Query: /.test(m.content))!.content;
      if (/remember/.test(last)) return block('secret = 41\ndone("ok")');
      return block('done(f"{globals().get(\'secret\', \'none\')} after {len(CONTEXTS)} turns")');
    });
    const app = createServeApp({ runner: new ServeRunner({ llm, runtime, sessions }), modelName: 'rlmtree', log: false });
    const post = async (messages: { role: string; content: string }[], session?: string) => {
      const res = await app.request('/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(session ? { [SESSION_HEADER]: session } : {}) },
        body: JSON.stringify({ model: 'rlmtree', messages }),
      });
      const body = (await res.json()) as { choices?: { message: { content: string } }[]; error?: { code: string } };
      return { status: res.status, session: res.headers.get(SESSION_HEADER), text: body.choices?.[0]?.message.content, code: body.error?.code };
    };
    try {
      const first = [{ role: 'user', content: 'remember a number' }];
      const a = await post(first);
      expect(a).toMatchObject({ status: 200, text: 'ok' });
      expect(a.session).toMatch(/^sess_/);
      // The client resends the conversation with the answer and a new question: same session, same REPL.
      const b = await post([...first, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'what was it?' }]);
      expect(b).toMatchObject({ status: 200, text: '41 after 2 turns', session: a.session });
      // Naming the session, the request may send only what is new.
      const c = await post([{ role: 'user', content: 'and now?' }], a.session!);
      expect(c).toMatchObject({ status: 200, text: '41 after 3 turns', session: a.session });
      // Another conversation is another session.
      const d = await post([{ role: 'user', content: 'what was it?' }]);
      expect(d.text).toBe('none after 1 turns');
      expect(d.session).not.toBe(a.session);
      expect(sessions.size).toBe(2);

      clock += 60_000;
      expect(await sessions.sweep()).toBe(2);
      expect(sessions.size).toBe(0);
      const e = await post([{ role: 'user', content: 'still there?' }], a.session!);
      expect(e).toMatchObject({ status: 404, code: 'session_not_found' });
    } finally {
      await sessions.close();
    }
  });
});
