import { describe, expect, it } from 'vitest';
import { ScriptedLLM } from '../llm/scripted.ts';
import { nodeOf } from '../node-table.ts';
import { lazySchemasBuilt } from '../schema/lazy.ts';
import { FakeRuntime } from '../testing/fake-runtime.ts';
import { Engine } from './engine.ts';

const block = (code: string) => '```repl\n' + code + '\n```';

describe('the first run of a process', () => {
  // Issue 18: building zod schemas and zod's first parse were half of a fresh process's first
  // N = 10 run. What such a run validates (its limits, its prompt config, each delegate call and
  // its answer) goes through fast paths (schema/fast-path.ts), which leave only what they do not
  // know to the schemas.
  it('builds no zod schema for an ordinary run: limits given, no prompt options, children delegated', async () => {
    const llm = new ScriptedLLM({
      rules: [
        { match: '^Query: child', replies: [block('A'), block('DONE 1')] },
        { match: '^Query: ', replies: [block('DELEGATE 3')] },
      ],
    });
    const engine = new Engine({ llm, runtime: new FakeRuntime(), tracer: false });
    const before = lazySchemasBuilt();
    const final = await engine.run('root', 'context', { limits: { maxDepth: 1, maxIterations: 5 } });
    expect(nodeOf(final, final.rootId)?.status).toBe('FINISHED');
    expect(nodeOf(final, 'root.c0')?.status).toBe('FINISHED');
    expect(lazySchemasBuilt() - before).toBe(0);
  });

  it('still builds the schema, and fails as it says, for a limit the fast path does not take', () => {
    const engine = new Engine({ llm: new ScriptedLLM(() => block('A')), runtime: new FakeRuntime(), tracer: false });
    expect(() => engine.init('q', 'c', { limits: { maxIterations: 0 } })).toThrow(/createRun: bad limit maxIterations: /);
  });
});
