/**
 * The main job with a root model that streams its replies and holds the first one half-way until
 * a gate file exists, drawn by the TTY live view: lets a test read the screen mid-stream.
 * Usage: node tests/live-view/streaming-run.ts <gate-file>
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Engine, ScriptedLLM, type LLMClient, type Script } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { ttyView } from '../../packages/cli/src/live-view.ts';

const gate = process.argv[2]!;
const root = new URL('../../', import.meta.url);
const context = await readFile(new URL('examples/data/tinyshakespeare.txt', root), 'utf8');
const scripted = new ScriptedLLM((await import(new URL('examples/speakers/policy.mjs', root).href)).default as Script);
let held = false;
const streaming: LLMClient = {
  name: 'scripted-streaming',
  async complete(request) {
    const reply = await scripted.complete({ messages: request.messages });
    if (!request.onToken) return reply;
    const words = reply.text.split(/(?<=\s)/);
    for (let i = 0; i < words.length; i++) {
      request.onToken(words[i]!);
      if (i === 5 && !held) {
        held = true;
        while (!existsSync(gate)) await sleep(50);
      }
    }
    return reply;
  },
};
const runtime = new SubprocessRuntime();
const engine = new Engine({ llm: streaming, subModel: scripted, runtime, tracer: false });
const view = await ttyView(engine);
try {
  const initial = engine.init('Which speaker has the most speeches in this text, and how many?', context);
  view.start?.(initial);
  const final = await engine.runFrom(initial, { onStep: (s) => view.update(s, s.state) });
  view.finish(final);
  process.stdout.write(`${String(final.nodes[final.rootId]!.result)}\n`);
} finally {
  await engine.close();
  await runtime.close();
}
