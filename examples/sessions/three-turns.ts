// A session: three turns on one tree and one REPL (the README's "Sessions" example).
// Run: node examples/sessions/three-turns.ts
import { ScriptedLLM, Session } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const repl = (code: string) => '```repl\n' + code + '\n```';
const runtime = new SubprocessRuntime();
const session = Session.create({
  llm: new ScriptedLLM([                                   // or new OpenAIClient(...)
    repl('words = CONTEXT.split()\ndone(len(words))'),      // turn 0 keeps `words` in the REPL
    repl('done(max(words, key=len))'),                     // turn 1 uses it: no re-reading
    repl('done(f"{ANSWERS[1]} is one of {ANSWERS[0]} words")'), // turn 2 reads earlier answers
    repl('import time\nwords.clear()\ntime.sleep(30)'),      // a slow turn, cancelled below
  ]),
  runtime,
});

const a = await session.send('How many words?', { context: 'the quick brown fox jumps over the lazy dog' });
const b = await session.send('Which word is the longest?');
const fork = session.fork({ turn: 1 });                    // the session at the end of turn 1, as a new session
const c = await session.send('Say both answers in one sentence.');
console.log(a.answer, '|', b.answer, '|', c.answer);       // 9 | quick | quick is one of 9 words
console.log(session.turns.length, fork.turns.length);     // 3 2

const controller = new AbortController();
setTimeout(() => controller.abort(), 500);
await session.send('never mind', { signal: controller.signal }).catch((err) => console.log(err.name)); // TurnCancelledError
// The cancelled turn left nothing behind:
console.log(session.turns.length);                          // 3

await fork.close();
await session.close();
await runtime.close();
