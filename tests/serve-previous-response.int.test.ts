/**
 * The Responses API's `previous_response_id` under `serve --sessions`: the next request sends
 * only its new input and continues the earlier response's session (same REPL), driven by the
 * real `openai` SDK (its fetch goes straight to the app). Without sessions it is a 400 (see
 * serve.int.test.ts).
 */
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { ScriptedLLM } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { createServeApp } from '../packages/cli/src/serve/app.ts';
import { ServeRunner } from '../packages/cli/src/serve/runner.ts';
import { ServeSessions } from '../packages/cli/src/serve/sessions.ts';

const block = (code: string) => '```repl\n' + code + '\n```';
const runtime = new SubprocessRuntime({ interruptGraceMs: 500 });
const sessions = new ServeSessions();
afterAll(async () => {
  await sessions.close();
  await runtime.close();
});

describe('serve: previous_response_id with --sessions', () => {
  it('continues the session of the named response; an unknown one is a 404', async () => {
    const llm = new ScriptedLLM((request) => {
      const last = request.messages.findLast((m) => m.role === 'user' && /Query: /.test(m.content))!.content;
      if (/remember/.test(last)) return block('secret = 41\ndone("ok")');
      return block('done(f"{globals().get(\'secret\', \'none\')} after {len(CONTEXTS)} turns")');
    });
    const app = createServeApp({ runner: new ServeRunner({ llm, runtime, sessions }), modelName: 'rlmtree', log: false });
    const client = new OpenAI({ baseURL: 'http://serve.test/v1', apiKey: 'unused', maxRetries: 0, fetch: async (url, init) => app.fetch(new Request(url, init)) });

    const first = await client.responses.create({ model: 'rlmtree', input: 'remember a number' });
    expect(first.output_text).toBe('ok');
    const second = await client.responses.create({ model: 'rlmtree', input: 'what was it?', previous_response_id: first.id });
    expect(second.output_text).toBe('41 after 2 turns');
    expect(second.previous_response_id).toBe(first.id);
    // Streamed, the same way.
    const stream = await client.responses.create({ model: 'rlmtree', input: 'and now?', previous_response_id: second.id, stream: true });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    expect(text).toBe('41 after 3 turns');

    const unknown = await client.responses.create({ model: 'rlmtree', input: 'hi', previous_response_id: 'resp_nope' }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ status: 404, code: 'session_not_found', param: 'previous_response_id' });
  });
});
