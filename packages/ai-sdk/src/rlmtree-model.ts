/**
 * `rlmtreeModel({ llm, runtime, ... })`: an RLM as a Vercel AI SDK language model (provider
 * specification v4), so `generateText`, `streamText`, `generateObject` / `Output.object` and
 * everything built on them can use an agent tree as their model. Each call runs one tree over the
 * prompt (the last user message is the query, the rest is `CONTEXT`; see `conversationToTask`);
 * usage is the whole tree's. A JSON response format becomes the run's typed result, so the answer
 * is JSON matching the schema.
 */
import { UnsupportedFunctionalityError, type LanguageModelV4, type LanguageModelV4CallOptions, type LanguageModelV4GenerateResult, type LanguageModelV4StreamPart, type SharedV4Warning } from '@ai-sdk/provider';
import { conversationToTask, progressLine, RLM, totalUsage, type EngineEvent, type RLMOptions, type RunState } from '@rlmtree/core';
import { z } from 'zod';
import { fromPrompt } from './prompt.ts';
import { usageTo } from './usage.ts';

/** Options of `rlmtreeModel`: the RLM's (models, runtime, tools, limits), plus the model id it reports. */
export interface RLMTreeModelOptions extends RLMOptions {
  /** The `modelId` the AI SDK sees (default `rlmtree`). */
  modelId?: string;
  /**
   * The progress line streamed as reasoning for an engine event, or null to show nothing for it
   * (default: core's `progressLine`: cells run, agents delegated and finished, cells that failed).
   */
  progress?: (event: EngineEvent) => string | null;
}

/** Call settings an RLM does not pass on (its own models keep their settings): each gives a warning. */
const SAMPLING = ['maxOutputTokens', 'temperature', 'stopSequences', 'topP', 'topK', 'presencePenalty', 'frequencyPenalty', 'seed'] as const;

/** Facts of the run reported as provider metadata (`providerMetadata.rlmtree`). */
function runMetadata(state: RunState) {
  const usage = totalUsage(state);
  return { rlmtree: { runId: state.runId, steps: state.step, agents: Object.keys(state.nodes).length, costUsd: usage.costUsd, llmCalls: usage.llmCalls } };
}

/**
 * Builds the AI SDK model. Tools cannot be offered to it (an RLM never returns tool calls; give
 * the RLM host `tools` instead): a call with tools, tool messages or file parts throws
 * `UnsupportedFunctionalityError`. Sampling settings (temperature, …) give an `unsupported` warning.
 * A run that ends without an answer rejects with the RLM's `LLMError` (not retried by the AI SDK).
 */
export function rlmtreeModel(options: RLMTreeModelOptions): LanguageModelV4 {
  const { modelId = 'rlmtree', progress = progressLine, ...rlmOptions } = options;
  const rlm = new RLM(rlmOptions);

  const prepare = (call: LanguageModelV4CallOptions) => {
    if (call.tools?.length) {
      throw new UnsupportedFunctionalityError({ functionality: 'tools', message: 'rlmtreeModel: an RLM does not return tool calls; register host tools on the RLM (tools option), where agent code calls them' });
    }
    const warnings: SharedV4Warning[] = SAMPLING.filter((k) => call[k] !== undefined).map((feature) => ({ type: 'unsupported', feature, details: "an RLM's own models keep their settings" }));
    const task = conversationToTask(fromPrompt(call.prompt));
    const format = call.responseFormat;
    const result = format?.type === 'json' ? (format.schema ? z.fromJSONSchema(format.schema as Parameters<typeof z.fromJSONSchema>[0]) : z.json()) : undefined;
    return { task, warnings, result };
  };

  return {
    specificationVersion: 'v4',
    provider: 'rlmtree',
    modelId,
    supportedUrls: {},

    async doGenerate(call): Promise<LanguageModelV4GenerateResult> {
      const { task, warnings, result } = prepare(call);
      const run = await rlm.run(task.query, task.context, { ...(call.abortSignal ? { signal: call.abortSignal } : {}), ...(result ? { result } : {}) });
      return {
        content: [{ type: 'text', text: run.answer }],
        finishReason: { unified: 'stop', raw: undefined },
        usage: usageTo(totalUsage(run.state)),
        providerMetadata: runMetadata(run.state),
        response: { id: run.state.runId, modelId, timestamp: new Date() },
        warnings,
      };
    },

    async doStream(call) {
      const { task, warnings, result } = prepare(call);
      // Progress goes out as reasoning while the tree works; the answer follows as one text part.
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        start: (controller) => {
          controller.enqueue({ type: 'stream-start', warnings });
          let reasoning = false;
          // Not awaited: the stream is readable at once and parts arrive as the tree works.
          void (async () => {
            try {
              const run = await rlm.run(task.query, task.context, {
                ...(call.abortSignal ? { signal: call.abortSignal } : {}),
                ...(result ? { result } : {}),
                onEvent: (event) => {
                  const line = progress(event);
                  if (!line) return;
                  if (!reasoning) controller.enqueue({ type: 'reasoning-start', id: 'progress' });
                  reasoning = true;
                  controller.enqueue({ type: 'reasoning-delta', id: 'progress', delta: line });
                },
              });
              if (reasoning) controller.enqueue({ type: 'reasoning-end', id: 'progress' });
              controller.enqueue({ type: 'response-metadata', id: run.state.runId, modelId, timestamp: new Date() });
              controller.enqueue({ type: 'text-start', id: 'answer' });
              controller.enqueue({ type: 'text-delta', id: 'answer', delta: run.answer });
              controller.enqueue({ type: 'text-end', id: 'answer' });
              controller.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: undefined }, usage: usageTo(totalUsage(run.state)), providerMetadata: runMetadata(run.state) });
            } catch (err) {
              if (reasoning) controller.enqueue({ type: 'reasoning-end', id: 'progress' });
              controller.enqueue({ type: 'error', error: err });
            } finally {
              controller.close();
            }
          })();
        },
      });
      return { stream };
    },
  };
}
