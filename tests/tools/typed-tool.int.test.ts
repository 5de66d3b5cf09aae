/**
 * Typed tools end to end with real Python: a scripted model calls a zod-typed tool with a wrong
 * argument, reads the ToolError naming the field, calls it right and finishes; rebuilding the
 * REPL from the record (a fork) and folding the trace call the tool no more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine, ScriptedLLM, reduceAll, tool, type CompletionRequest, type RunEvent, type RunState } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const repl = (code: string) => '```repl\n' + code + '\n```';
const TEXT = 'ROMEO:\nBut soft, what light\nJULIET:\nAy me\nROMEO:\nShe speaks';

let runtime: SubprocessRuntime;
beforeAll(() => {
  runtime = new SubprocessRuntime({ interruptGraceMs: 1000 });
});
afterAll(async () => {
  await runtime.close();
});

function searchTool(calls: string[]) {
  return tool({
    description: 'Lines of the text matching a regex.',
    parameters: z.object({ pattern: z.string().describe('a regex'), limit: z.number().int().positive().default(10).describe('most lines returned') }),
    returns: z.array(z.string()),
    execute: async ({ pattern, limit }) => {
      calls.push(pattern);
      await new Promise((r) => setTimeout(r, 5)); // async execute
      return TEXT.split('\n').filter((l) => new RegExp(pattern).test(l)).slice(0, limit);
    },
  });
}

describe('typed tools', () => {
  it('wrong argument → ToolError naming the field → right call (await form) → done; a rebuilt REPL and the trace call no tool', async () => {
    const calls: string[] = [];
    const seen: CompletionRequest[] = [];
    const llm = new ScriptedLLM((req, { turn }) => {
      seen.push(req);
      return [
        repl('import inspect\nprint(inspect.signature(search))\nhits = search("ROMEO", limit="two")'),
        repl('hits = await search("^ROMEO", limit=2)\nprint(hits)'),
        repl('done(len(hits))'),
      ][turn]!;
    });
    const search = searchTool(calls);
    const engine = new Engine({ llm, runtime, tools: { search } });
    const s0 = engine.init('how often does ROMEO speak?', TEXT);
    const states: RunState[] = [s0];
    const events: RunEvent[][] = [];
    const final = await engine.runFrom(s0, { onStep: (s) => void (states.push(s.state), events.push(s.events)) });
    await engine.close();

    expect(final.nodes.root!.result).toBe(2);
    expect(calls).toEqual(['^ROMEO']); // the bad call never reached execute
    // the prompt listed the real signature; the model was told which argument was wrong and why
    expect(seen[0]!.messages[0]!.content).toContain('- search(pattern: str, limit: int = 10) -> list[str]: Lines of the text matching a regex.');
    const told = seen[1]!.messages.at(-1)!.content;
    expect(told).toContain("(pattern: str, limit: int = 10) -> list[str]"); // the real def is bound in Python
    expect(told).toMatch(/ToolError: (search: )?search\(\) got a bad argument: argument 'limit': Invalid input: expected number, received string/);
    // the state records the tool as run config
    expect(s0.tools[0]).toMatchObject({ name: 'search', signature: 'search(pattern: str, limit: int = 10) -> list[str]' });
    const recorded = final.nodes.root!.cells[1]!.calls[0]!;
    expect(recorded).toMatchObject({ name: 'tool', answer: { ok: true, value: ['ROMEO:', 'ROMEO:'] } });

    // fork at the state after the right call: the new engine rebuilds the REPL from the record
    const atCall = states.find((s) => s.nodes.root!.cells.length === 2 && s.nodes.root!.status === 'READY')!;
    const forkCalls: string[] = [];
    const forked = new Engine({ llm: new ScriptedLLM([repl('print(hits)\ndone(hits)')]), runtime, tools: { search: searchTool(forkCalls) } });
    const end = await forked.runFrom(atCall);
    await forked.close();
    expect(end.nodes.root!.result).toEqual(['ROMEO:', 'ROMEO:']);
    expect(forkCalls).toEqual([]);
    // folding the recorded events (a trace replay) needs no tool at all
    let folded = s0;
    for (const e of events) folded = reduceAll(folded, e);
    expect(folded).toEqual(final);
  });

  it('a tool limited to some depths is neither shown nor callable elsewhere', async () => {
    const calls: string[] = [];
    const rootOnly = tool({ name: 'search', description: 'root only', parameters: z.object({ pattern: z.string() }), depths: { max: 0 }, execute: ({ pattern }) => (calls.push(pattern), []) });
    const llm = new ScriptedLLM({
      rules: [
        { match: '^Query: child', replies: [repl('try:\n    search("x")\nexcept Exception as e:\n    done(type(e).__name__)')] },
        { match: '^Query: root', replies: [repl('h = delegate("c", "child")\nr = yield wait(h)\ndone(r[0])')] },
      ],
    });
    const engine = new Engine({ llm, runtime, tools: { search: rootOnly } });
    const final = await engine.run('root', 'ctx');
    await engine.close();
    expect(final.nodes.root!.messages[0]!.content).toContain('- search(pattern: str) -> object: root only');
    expect(final.nodes['root.c']!.messages[0]!.content).not.toContain('root only');
    expect(final.nodes.root!.result).toBe('NameError');
    expect(calls).toEqual([]);
  });
});

describe('await forms', () => {
  it('await works on tools and sub-calls at the top level and inside async functions', async () => {
    const echo = tool({ name: 'echo', description: 'echo', parameters: z.object({ x: z.number() }), execute: ({ x }) => x * 2 });
    const code = 'import asyncio\nasync def twice(v):\n    return await echo(v) + await echo(x=v)\nr = [await echo(1), echo(2), asyncio.run(twice(3)), await llm_query("hi", max_tokens=5)]\ndone(r)';
    const maxTokens: (number | undefined)[] = [];
    const subModel = new ScriptedLLM((req) => (maxTokens.push(req.maxTokens), 'hello'));
    const engine = new Engine({ llm: new ScriptedLLM([repl(code)]), subModel, runtime, tools: { echo } });
    const state = await engine.run('q', 'ctx');
    await engine.close();
    expect(state.nodes.root!.cells[0]!.error).toBeNull();
    expect(state.nodes.root!.result).toEqual([2, 4, 12, 'hello']);
    expect(maxTokens).toEqual([5]); // llm_query(..., max_tokens=5) reaches the sub-model's request
  });
});
