/**
 * A state stepped on one docker runtime continues on another (a fresh container): the engine
 * rebuilds each REPL from the record, variables and a suspended wait included; set iteration
 * replays identically (fixed hash seed, as in the subprocess runtime).
 */
import { describe, expect, it } from 'vitest';
import { Engine, isFinished, ScriptedLLM, type RunState } from '@rlmtree/core';
import { DockerRuntime } from '@rlmtree/runtime-python';
import { needs, skipNote } from '../helpers/parts.ts';

const missing = needs('docker');
describe.skipIf(missing)(`restore${skipNote(missing)}`, () => {
  const repl = (code: string) => '```repl\n' + code + '\n```';

  it('continues a run in a fresh container with the REPL rebuilt from the record', async () => {
    const root = [
      repl('secret = 41'),
      repl('hs = [delegate(n, "child") for n in {"alpha", "beta", "gamma", "delta", "eps", "zeta"}]\nr = yield wait(*hs)\ndone(secret + len(r) - 6 + 1)'),
    ];
    const llm = new ScriptedLLM((req, { turn }) => {
      const first = req.messages.find((m) => m.role === 'user')!.content;
      return /^Query: child/.test(first) ? repl('done(1)') : root[turn]!;
    });
    const [r1, r2] = [new DockerRuntime({ poolSize: 0 }), new DockerRuntime({ poolSize: 0 })];
    try {
      const e1 = new Engine({ llm, runtime: r1 });
      let s: RunState = e1.init('root', 'ctx');
      // Bounded: a root that finishes (a failed container start) never becomes SUPERVISING.
      while (s.nodes.root!.status !== 'SUPERVISING' && !isFinished(s)) s = await e1.step(s);
      expect(s.nodes.root!.status).toBe('SUPERVISING');
      await e1.close();
      const e2 = new Engine({ llm, runtime: r2 });
      while (!isFinished(s)) s = await e2.step(s);
      await e2.close();
      expect(s.nodes.root!.error).toBeNull();
      expect(s.nodes.root!.result).toBe(42);
    } finally {
      await Promise.all([r1.close(), r2.close()]);
    }
  });
});
