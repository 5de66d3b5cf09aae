/**
 * The engine end to end with real Python (SubprocessRuntime) and scripted models: every
 * transition of the state diagram, the step semantics, limits, errors and the REPL record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, LLMError, RLM, ScriptedLLM, isFinished, type LLMClient, type RunState, type ScriptRule } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const repl = (code: string) => '```repl\n' + code + '\n```';

let runtime: SubprocessRuntime;
beforeAll(() => {
  runtime = new SubprocessRuntime({ interruptGraceMs: 1000 });
});
afterAll(async () => {
  await runtime.close();
});

function engineWith(rules: ScriptRule[], extra: Partial<ConstructorParameters<typeof Engine>[0]> = {}) {
  return new Engine({ llm: new ScriptedLLM({ rules }), runtime, ...extra });
}

async function stepAll(engine: Engine, state: RunState): Promise<RunState[]> {
  const states = [state];
  while (!isFinished(states.at(-1)!)) states.push(await engine.step(states.at(-1)!));
  return states;
}

describe('engine with a real python3 REPL', () => {
  it('runs every transition: READY, EXECUTING, SUPERVISING, resume after children, FINISHED', async () => {
    const engine = engineWith([
      { match: '^Query: child', replies: [repl('n = len(CONTEXT)'), repl('done(n * 10)')] },
      {
        match: '^Query: root',
        replies: [
          repl('parts = ["ab", "cde"]'),
          repl('hs = [delegate(f"p{i}", "child", context=p) for i, p in enumerate(parts)]\nres = yield wait(*hs)\nprint("got", res)\ndone(sum(res))'),
        ],
      },
    ]);
    const s0 = engine.init('root', 'context text');
    const frozenCopy = structuredClone(s0);
    const states = await stepAll(engine, s0);
    await engine.close();
    expect(s0).toEqual(frozenCopy); // stepping never changes its input
    const status = (s: RunState, id: string) => s.nodes[id]?.status;
    // step by step: root READY -> EXECUTING -> READY -> EXECUTING -> SUPERVISING
    expect(states.slice(0, 5).map((s) => status(s, 'root'))).toEqual(['READY', 'EXECUTING', 'READY', 'EXECUTING', 'SUPERVISING']);
    // children advance one transition per step while the root supervises
    const kids = states.map((s) => [status(s, 'root.p0'), status(s, 'root.p1')].join('/'));
    expect(kids.slice(4)).toEqual([
      'READY/READY',
      'EXECUTING/EXECUTING',
      'READY/READY',
      'EXECUTING/EXECUTING',
      'FINISHED/FINISHED',
      'FINISHED/FINISHED',
    ]);
    // the root resumes in the step after its children finished
    expect(states.map((s) => status(s, 'root')).slice(4)).toEqual(['SUPERVISING', 'SUPERVISING', 'SUPERVISING', 'SUPERVISING', 'SUPERVISING', 'FINISHED']);
    const final = states.at(-1)!;
    expect(final.nodes.root!.result).toBe(50);
    expect(final.nodes.root!.cells[1]!.output).toBe('got [20, 30]\n');
    expect(final.nodes.root!.cells[1]!.calls.map((c) => c.name)).toEqual(['delegate', 'delegate', 'wait']);
    expect(final.step).toBe(states.length - 1);
  });

  it('refuses delegate at the depth limit inside the REPL, with a clear error the model sees', async () => {
    const engine = engineWith([
      {
        match: '^Query: root',
        replies: [repl('try:\n    delegate("x", "sub")\nexcept DelegateError as e:\n    print("refused:", e)'), repl('done("ok")')],
      },
    ]);
    const final = await engine.run('root', 'ctx', { limits: { maxDepth: 0 } });
    await engine.close();
    expect(final.nodes.root!.cells[0]!.output).toMatch(/refused: delegate refused: agent root is at depth 0 and the maximum depth is 0/);
    expect(Object.keys(final.nodes)).toEqual(['root']);
    expect(final.nodes.root!.messages[0]!.content).toContain('delegate(...) is not available');
  });

  it('ends an agent at its iteration limit with a structured reason its parent sees', async () => {
    const engine = engineWith([
      { match: '^Query: loop', replies: [repl('x = 1'), repl('x = 2')] },
      { match: '^Query: root', replies: [repl('r = yield wait(delegate("c", "loop"))\ndone(repr(r[0]))')] },
    ]);
    const final = await engine.run('root', 'ctx', { limits: { maxIterations: 2 } });
    await engine.close();
    expect(final.nodes['root.c']!.error).toMatchObject({ kind: 'iteration_limit' });
    expect(final.nodes.root!.result).toMatch(/AgentFailure\(kind='iteration_limit'/);
  });

  it('tells the model about a reply with no code, a traceback, a timeout and cut output', async () => {
    const engine = engineWith([
      {
        match: '^Query: root',
        replies: [
          'I believe the answer is 7.',
          repl('def f():\n    return 1 / 0\nf()'),
          repl('import time\ntime.sleep(30)'),
          repl('print("x" * 50000)'),
          repl('done("fine")'),
        ],
      },
    ]);
    const final = await engine.run('root', 'ctx', { limits: { cellTimeoutMs: 800, maxOutputChars: 1000 } });
    await engine.close();
    const user = final.nodes.root!.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(user[1]).toMatch(/no ```repl code block/);
    expect(user[2]).toMatch(/ZeroDivisionError: division by zero/);
    expect(user[2]).toMatch(/<cell 0>/);
    expect(user[2]).not.toMatch(/prelude/);
    expect(user[3]).toMatch(/It was stopped: the cell ran past its 800 ms timeout/);
    expect(user[4]).toMatch(/50001 characters in all/);
    expect(user[4]!.length).toBeLessThan(1500);
    expect(final.nodes.root!.result).toBe('fine');
    expect(final.nodes.root!.iteration).toBe(5);
  });

  it('routes llm_query to the sub-model and counts its usage; tools run on the host', async () => {
    const sub = new ScriptedLLM((req) => `sub:${req.messages.at(-1)!.content}`);
    const engine = engineWith(
      [{ match: '^Query: root', replies: [repl('a = llm_query("hi")\nb = llm_query_batched(["x", "y"])\ndone([a, b, shout("hey")])')] }],
      { subModel: sub, tools: { shout: { description: 'uppercases', run: ([s]) => String(s).toUpperCase() } } },
    );
    const final = await engine.run('root', 'ctx');
    await engine.close();
    expect(final.nodes.root!.result).toEqual(['sub:hi', ['sub:x', 'sub:y'], 'HEY']);
    expect(sub.callCount).toBe(3);
    expect(final.nodes.root!.usage.llmCalls).toBe(4); // 1 root reply + 3 sub-calls
    expect(final.nodes.root!.cells[0]!.calls.map((c) => c.name)).toEqual(['llm_query', 'llm_query_batched', 'tool']);
  });

  it('gives a structured llm_error when the model fails, and the parent goes on', async () => {
    const failing: LLMClient = {
      name: 'broken',
      complete: async () => {
        throw new LLMError('http', 'broken: HTTP 500 from the provider', { status: 500 });
      },
    };
    const engine = new Engine({
      llm: new ScriptedLLM({ rules: [{ match: 'root', replies: [repl('r = yield wait(delegate("c", "x"))\ndone(r[0].kind)')] }] }),
      subModel: failing,
      runtime,
    });
    const final = await engine.run('root', 'ctx');
    await engine.close();
    expect(final.nodes['root.c']!.error).toEqual({ kind: 'llm_error', message: 'broken: HTTP 500 from the provider' });
    expect(final.nodes.root!.result).toBe('llm_error');
  });

  it('rebuilds a REPL that died by re-running its recorded cells, with no model call', async () => {
    const sub = new ScriptedLLM((req) => `answer-${req.messages.at(-1)!.content}`);
    const engine = engineWith(
      [
        {
          match: '^Query: root',
          replies: [repl('saved = llm_query("a")\ncounter = 1'), repl('import os\nos._exit(1)'), repl('done([saved, counter])')],
        },
      ],
      { subModel: sub },
    );
    const final = await engine.run('root', 'ctx');
    await engine.close();
    expect(final.nodes.root!.cells[1]!.status).toBe('crashed');
    expect(final.nodes.root!.messages.at(-2)!.content).toMatch(/The REPL died/);
    expect(final.nodes.root!.result).toEqual(['answer-a', 1]);
    expect(sub.callCount).toBe(1); // the rebuild answered llm_query from the record
  });

  it('is an LLMClient: RLM.complete runs a tree and reports the whole tree usage', async () => {
    const rlm = new RLM({
      llm: new ScriptedLLM({
        rules: [
          { match: '^Query: half', replies: [repl('done(len(CONTEXT) // 2)')] },
          { match: '^Query: ', replies: [repl('r = yield wait(delegate("h", "half"))\ndone(f"{len(CONTEXT)} chars, half {r[0]}")')] },
        ],
      }),
      runtime,
    });
    const reply = await rlm.complete({ messages: [{ role: 'user', content: 'count' }] });
    expect(reply.text).toBe('5 chars, half 2');
    expect(reply.usage.llmCalls).toBe(2);
  });
});
