/**
 * The engine's default tracing (issue 18: @opentelemetry/api is not loaded at import): no spans
 * and no listener while no OpenTelemetry SDK has registered a provider; the global tracer once one
 * has, for engines made after it.
 */
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, ScriptedLLM, tracerRegistered } from '@rlmtree/core';
import { FakeRuntime } from '@rlmtree/core/testing';

const block = (code: string) => '```repl\n' + code + '\n```';

describe('default tracer', () => {
  afterAll(() => trace.disable());

  it('attaches only once a global provider is registered', async () => {
    expect(tracerRegistered()).toBe(false);
    const before = new Engine({ llm: new ScriptedLLM([block('DONE 1')]), runtime: new FakeRuntime() });
    expect(before.events.has('run_started')).toBe(false); // nothing listens: no spans to make

    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    expect(tracerRegistered()).toBe(true);
    const engine = new Engine({ llm: new ScriptedLLM([block('DONE 1')]), runtime: new FakeRuntime() });
    const final = await engine.run('q', 'ctx');
    expect(final.nodes.root!.result).toBe(1);
    expect(exporter.getFinishedSpans().filter((s) => s.name === 'rlmtree.run')).toHaveLength(1);
    await before.run('q', 'ctx');
    expect(exporter.getFinishedSpans().filter((s) => s.name === 'rlmtree.run')).toHaveLength(1); // the earlier engine made none
  });
});
