/**
 * Engine events and OpenTelemetry spans on a real run (python3 REPLs, scripted models): the
 * event sequence follows the state machine, listeners cannot change the run, and an SDK's
 * in-memory exporter receives the run > step / agent > LLM call / cell span tree.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Engine, ScriptedLLM, type EngineEvent, type LLMClient, type ScriptRule } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const repl = (code: string) => '```repl\n' + code + '\n```';
const RULES: ScriptRule[] = [
  { match: '^Query: child', replies: [repl('print("n", len(CONTEXT))'), repl('done(len(CONTEXT))')] },
  {
    match: '^Query: root',
    replies: [repl('hs = [delegate(f"p{i}", "child", context=p) for i, p in enumerate(["ab", "cde"])]\nres = yield wait(*hs)\ndone(sum(res))')],
  },
];

let runtime: SubprocessRuntime;
beforeAll(() => {
  runtime = new SubprocessRuntime();
});
afterAll(async () => {
  await runtime.close();
});

describe('engine events', () => {
  it('reports each transition in order, and the final state is the same with or without listeners', async () => {
    const quiet = new Engine({ llm: new ScriptedLLM({ rules: RULES }), runtime, tracer: false });
    const plain = await quiet.run('root', 'x');
    await quiet.close();

    const engine = new Engine({ llm: new ScriptedLLM({ rules: RULES }), runtime, tracer: false });
    const seen: EngineEvent[] = [];
    engine.on('*', (e) => seen.push(e));
    let finishedByType = 0;
    engine.on('agent_finished', (e) => {
      finishedByType += 1;
      // A listener that throws is reported and must not affect the run.
      throw new Error(`listener bug on ${e.agentId}`);
    });
    const reported = vi.spyOn(console, 'error').mockImplementation(() => {});
    const final = await engine.run('root', 'x');
    await engine.close();
    const reports = reported.mock.calls.map((c) => String(c[0]));
    reported.mockRestore();

    const strip = (s: typeof final) => ({ ...s, runId: '', elapsedMs: 0 });
    expect(strip(final)).toEqual(strip(plain));
    expect(reports).toHaveLength(3);
    expect(reports[0]).toContain('listener threw on agent_finished');
    expect(finishedByType).toBe(3);

    const line = (e: EngineEvent) => ('agentId' in e ? `${e.type}:${e.agentId}` : e.type);
    const kinds = seen.map(line);
    expect(kinds[0]).toBe('run_started');
    expect(kinds.at(-1)).toBe('run_finished');
    // Root: started, one LLM call, a cell that delegates 2 children, later woken, then finished.
    for (const expected of ['agent_started:root', 'llm_call_started:root', 'llm_call_finished:root', 'cell_started:root', 'cell_finished:root', 'delegated:root', 'agent_started:root.p0', 'woke:root', 'agent_finished:root']) {
      expect(kinds).toContain(expected);
    }
    expect(kinds.indexOf('delegated:root')).toBeLessThan(kinds.indexOf('agent_started:root.p0'));
    expect(kinds.indexOf('agent_finished:root.p1')).toBeLessThan(kinds.indexOf('woke:root'));
    expect(kinds.filter((k) => k === 'step_started').length).toBe(final.step);
    expect(kinds.filter((k) => k === 'step_finished').length).toBe(final.step);

    const childCell = seen.find((e): e is Extract<EngineEvent, { type: 'cell_finished' }> => e.type === 'cell_finished' && e.agentId === 'root.p1' && e.cell === 0)!;
    expect(childCell.output).toContain('n 3');
    expect(childCell.status).toBe('ok');
    const done = seen.find((e): e is Extract<EngineEvent, { type: 'run_finished' }> => e.type === 'run_finished')!;
    expect(done.result).toBe(5);
    expect(done.agents).toBe(3);
    for (const e of seen) expect(e.runId).toBe(final.runId);
  });

  it('streams the root model\'s tokens to token listeners, only when someone listens', async () => {
    const requests: boolean[] = [];
    const streaming: LLMClient = {
      name: 'streaming-test',
      async complete(request) {
        requests.push(request.onToken !== undefined);
        const text = repl('done("hello world")');
        for (const piece of text.match(/.{1,5}/gs)!) request.onToken?.(piece);
        return { text, usage: { inputTokens: 3, outputTokens: 4, cachedTokens: 0, costUsd: 0, llmCalls: 1 } };
      },
    };
    const engine = new Engine({ llm: streaming, runtime, tracer: false });
    await engine.run('root', 'x');
    const fragments: string[] = [];
    engine.on('token', (e) => fragments.push(e.fragment));
    await engine.run('root', 'x');
    await engine.close();
    expect(requests).toEqual([false, true]);
    expect(fragments.join('')).toBe(repl('done("hello world")'));
  });

  it('limit_hit names the agent a hard limit ended', async () => {
    const engine = new Engine({ llm: new ScriptedLLM(['no code here', 'still none']), runtime, tracer: false });
    const hits: string[] = [];
    engine.on('limit_hit', (e) => hits.push(`${e.agentId}:${e.error.kind}`));
    const final = await engine.run('root', 'x', { limits: { maxIterations: 2 } });
    await engine.close();
    expect(final.nodes.root!.error?.kind).toBe('iteration_limit');
    expect(hits).toEqual(['root:iteration_limit']);
  });
});

describe('OpenTelemetry spans', () => {
  it('exports run, step, agent, LLM call and cell spans with the agent tree as parents', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const engine = new Engine({ llm: new ScriptedLLM({ rules: RULES }), runtime, tracer: provider.getTracer('rlmtree-test') });
    const final = await engine.run('root', 'x');
    await engine.close();
    const spans = exporter.getFinishedSpans();
    const byName = (n: string) => spans.filter((s) => s.name === n);
    expect(byName('rlmtree.run')).toHaveLength(1);
    expect(byName('rlmtree.step')).toHaveLength(final.step);
    expect(byName('rlmtree.agent')).toHaveLength(3);
    const llmCalls = Object.values(final.nodes).reduce((n, a) => n + a.usage.llmCalls, 0);
    expect(byName('rlmtree.llm_call')).toHaveLength(llmCalls);
    const run = byName('rlmtree.run')[0]!;
    const parentOf = (s: (typeof spans)[number]) => s.parentSpanContext?.spanId;
    const agent = (id: string) => byName('rlmtree.agent').find((s) => s.attributes['rlmtree.agent_id'] === id)!;
    expect(parentOf(agent('root'))).toBe(run.spanContext().spanId);
    expect(parentOf(agent('root.p0'))).toBe(agent('root').spanContext().spanId);
    for (const cell of byName('rlmtree.cell').filter((s) => s.attributes['rlmtree.agent_id'] === 'root.p1')) {
      expect(parentOf(cell)).toBe(agent('root.p1').spanContext().spanId);
    }
    await provider.shutdown();
  });
});
