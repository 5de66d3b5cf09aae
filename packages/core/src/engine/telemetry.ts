/**
 * OpenTelemetry spans for a run, built from engine events: `rlmtree.run` > `rlmtree.step`, and
 * `rlmtree.agent` (parent agent's span, or the run's) > `rlmtree.llm_call` / `rlmtree.cell`.
 * Through `@opentelemetry/api` only: without an SDK registered the tracer is a no-op.
 * Attribute names follow the OpenTelemetry GenAI semantic conventions where one fits
 * (`gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`, `gen_ai.request.model`).
 */
import type { Span, Tracer } from '@opentelemetry/api';
import type { EngineEmitter, EngineEvent } from './events.ts';
import { nodeModuleApi } from '../util/builtins.ts';

/**
 * `@opentelemetry/api`, loaded on first use rather than at import (issue 18: no work at import;
 * it is a good part of core's import time). Its CommonJS build is required synchronously.
 */
let api: typeof import('@opentelemetry/api') | undefined;
function otel(): typeof import('@opentelemetry/api') {
  return (api ??= nodeModuleApi().createRequire(import.meta.url)('@opentelemetry/api') as typeof import('@opentelemetry/api'));
}

/**
 * True when something registered a global OpenTelemetry tracer provider (an SDK's `start()`,
 * `trace.setGlobalTracerProvider`): the API keeps its globals under this symbol, so this is
 * known without loading the API. Without one, every span would be a no-op.
 */
export function tracerRegistered(): boolean {
  const globals = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[Symbol.for('opentelemetry.js.api.1')];
  return globals?.trace !== undefined;
}

/** The tracer rlmtree uses when none is given: `trace.getTracer('rlmtree')`. */
export function defaultTracer(): Tracer {
  return otel().trace.getTracer('rlmtree');
}

/**
 * Subscribes span creation to `emitter`. Spans are keyed by run id, so several runs (forks) can be
 * traced by one engine. Returns the unsubscribe function (open spans are left as they are).
 */
export function attachTelemetry(emitter: EngineEmitter, tracer: Tracer = defaultTracer()): () => void {
  const { context, SpanStatusCode, trace } = otel();
  const spans = new Map<string, Span>();
  const key = (e: EngineEvent, kind: string, agentId = '') => `${e.runId}\u0000${kind}\u0000${agentId}`;
  const start = (k: string, name: string, parent: Span | undefined, at: number, attributes: Record<string, string | number | boolean>) => {
    const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
    spans.set(k, tracer.startSpan(name, { startTime: at, attributes }, ctx));
  };
  const end = (k: string, at: number, error?: string | null) => {
    const span = spans.get(k);
    if (!span) return undefined;
    spans.delete(k);
    if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    span.end(at);
    return span;
  };
  const agentSpan = (e: EngineEvent, id: string | null) => (id ? spans.get(key(e, 'agent', id)) : undefined);

  const listener = (e: EngineEvent) => {
    switch (e.type) {
      case 'run_started':
        start(key(e, 'run'), 'rlmtree.run', undefined, e.at, { 'rlmtree.run_id': e.runId, 'rlmtree.step': e.step });
        return;
      case 'run_finished': {
        const span = spans.get(key(e, 'run'));
        span?.setAttributes({
          'rlmtree.agents': e.agents,
          'gen_ai.usage.input_tokens': e.usage.inputTokens,
          'gen_ai.usage.output_tokens': e.usage.outputTokens,
          'rlmtree.cost_usd': e.usage.costUsd,
          'rlmtree.llm_calls': e.usage.llmCalls,
        });
        // Close whatever the run left open (agents ended by an abort), then the run itself.
        for (const k of [...spans.keys()]) if (k.startsWith(`${e.runId}\u0000`) && k !== key(e, 'run')) end(k, e.at);
        end(key(e, 'run'), e.at, e.error ? `${e.error.kind}: ${e.error.message}` : null);
        return;
      }
      case 'step_started':
        start(key(e, 'step'), 'rlmtree.step', spans.get(key(e, 'run')), e.at, { 'rlmtree.step': e.step, 'rlmtree.effects': e.effects });
        return;
      case 'step_finished':
        end(key(e, 'step'), e.at);
        return;
      case 'agent_started':
        start(key(e, 'agent', e.agentId), 'rlmtree.agent', agentSpan(e, e.parentId) ?? spans.get(key(e, 'run')), e.at, {
          'rlmtree.agent_id': e.agentId,
          'rlmtree.depth': e.depth,
        });
        return;
      case 'agent_finished':
        spans.get(key(e, 'agent', e.agentId))?.setAttributes({ 'rlmtree.iterations': e.iteration, 'rlmtree.cost_usd': e.usage.costUsd });
        end(key(e, 'agent', e.agentId), e.at, e.error ? `${e.error.kind}: ${e.error.message}` : null);
        return;
      case 'llm_call_started':
        start(key(e, 'llm', e.agentId), 'rlmtree.llm_call', agentSpan(e, e.agentId), e.at, {
          'rlmtree.agent_id': e.agentId,
          'rlmtree.iteration': e.iteration,
          ...(e.model ? { 'gen_ai.request.model': e.model } : {}),
        });
        return;
      case 'llm_call_finished': {
        const span = spans.get(key(e, 'llm', e.agentId));
        if (e.usage) span?.setAttributes({ 'gen_ai.usage.input_tokens': e.usage.inputTokens, 'gen_ai.usage.output_tokens': e.usage.outputTokens });
        end(key(e, 'llm', e.agentId), e.at, e.error);
        return;
      }
      case 'cell_started':
        start(key(e, 'cell', e.agentId), 'rlmtree.cell', agentSpan(e, e.agentId), e.at, {
          'rlmtree.agent_id': e.agentId,
          'rlmtree.cell': e.cell,
          'rlmtree.resumed': e.resumed,
        });
        return;
      case 'cell_finished':
        spans.get(key(e, 'cell', e.agentId))?.setAttributes({ 'rlmtree.cell_status': e.status, 'rlmtree.host_calls': e.hostCalls });
        end(key(e, 'cell', e.agentId), e.at, e.status === 'error' || e.status === 'timeout' || e.status === 'crashed' ? e.status : null);
        return;
      default:
        return;
    }
  };
  // Named types, not '*': a '*' listener would make the engine ask the root's client to stream.
  const types = ['run_started', 'run_finished', 'step_started', 'step_finished', 'agent_started', 'agent_finished', 'llm_call_started', 'llm_call_finished', 'cell_started', 'cell_finished'] as const;
  const offs = types.map((t) => emitter.on(t, listener));
  return () => offs.forEach((off) => off());
}
