/**
 * The local OpenAI-compatible server of `subcalls.bench.ts`, in its own process so that serving
 * does not compete with the client for one event loop. Talks to its parent over IPC:
 * sends `{baseURL}` once listening; answers `{op: 'reset'}` and `{op: 'peak'}` with `{peak}`
 * (the most completions in flight at once since the last reset).
 */
import { ScriptedLLM } from '@rlmtree/core';
import { startFakeOpenAI } from '@rlmtree/openai/testing';

const latencyMs = Number(process.argv[2] ?? 50);
const server = await startFakeOpenAI({ reply: new ScriptedLLM((req) => `a:${req.messages.at(-1)!.content}`), latencyMs });
process.on('message', (msg: { op: 'reset' | 'peak' | 'close' }) => {
  if (msg.op === 'reset') server.resetMaxInFlight();
  if (msg.op === 'close') {
    void server.close().then(() => process.disconnect());
    return;
  }
  process.send!({ peak: server.maxInFlight });
});
process.send!({ baseURL: server.baseURL });
