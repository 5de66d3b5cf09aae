/**
 * A session's later turn with a big context on the subprocess runtime: its binding names the
 * context's file (`Repl.contextCode`) instead of carrying the text inside the code, and the REPL
 * binds the same `CONTEXT` / `CONTEXTS` as inline; a fork rebuilds that REPL through the same file
 * and sees the same values; the trace replays to the same states.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrace, replay, ScriptedLLM, Session, sha256 } from '@rlmtree/core';
import { SubprocessRuntime, type ContextFiles } from '@rlmtree/runtime-python';

const block = (code: string) => '```repl\n' + code + '\n```';
const runtime = new SubprocessRuntime({ interruptGraceMs: 500 });
afterAll(() => runtime.close());

const big = 'line "q" \\ é 漢字 🙂\n'.repeat(8000); // over 64 K chars: a file
const check = 'import hashlib\ndone([len(CONTEXT), len(CONTEXTS), CONTEXT is CONTEXTS[-1], context is CONTEXT, hashlib.sha256(CONTEXTS[1].encode()).hexdigest()])';

describe("a session turn's big context", () => {
  it('reaches the REPL as a file, binds the same values live and rebuilt, and replays', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rlmtree-turnctx-'));
    try {
      const llm = new ScriptedLLM((request) => {
        const opening = request.messages.findLast((m) => m.role === 'user' && /Query: /.test(m.content))!.content;
        return /Query: start/.test(opening) ? block('done(len(CONTEXT))') : block(check);
      });
      const session = Session.create({ llm, runtime, trace: join(dir, 'a.jsonl') });
      expect((await session.send('start', { context: 'tiny' })).result).toBe(4);
      const want = [[...big].length, 2, true, true, createHash('sha256').update(big, 'utf8').digest('hex')];
      expect((await session.send('next', { context: big })).result).toEqual(want);
      // The binding wrote the turn's context file (turn 0's context went inline at init).
      const files = (runtime as unknown as { contextFiles: ContextFiles }).contextFiles;
      expect(existsSync(join(files.dir, `${sha256(big)}.ctx`))).toBe(true);
      // A fork at the end of turn 1 rebuilds its REPL, binding turn 1 through the file again.
      const fork = session.fork({ turn: 1 });
      const again = await fork.send('again');
      expect(again.result).toEqual([[...big].length, 3, true, true, want[4]]);
      expect(replay(await readTrace(join(dir, 'a.jsonl'))).at(-1)).toEqual(session.state);
      await fork.close();
      await session.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
