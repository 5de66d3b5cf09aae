/**
 * Running a benchmark: N generated instances per size, each through an RLM (and, with a baseline
 * model, through the base model with the whole context in its prompt), scored, with the usage,
 * depth, wall time and root prompt size of every run.
 */
import { Engine, totalUsage, type Limits, type LLMClient, type RunState, type Runtime, type StepResult } from '@rlmtree/core';
import { baselinePrompt, promptTokens } from './baseline.ts';
import { MeteredLLM } from './metered.ts';
import { instanceSeed } from './rng.ts';
import { score } from './score.ts';
import type { Instance, TaskSpec } from './task.ts';

/** Which system answered: the RLM, or the base model with the context in its prompt. */
export type System = 'rlm' | 'baseline';

/** One scored run of one instance. Tokens are as the models report them (estimated for scripted ones). */
export interface InstanceResult {
  instance: string;
  task: string;
  sizeTokens: number;
  system: System;
  /** In [0, 1]; 0 when the run ended without an answer. */
  score: number;
  answer: string | null;
  gold: string;
  /** Why there is no answer (a limit, a model failure), or null. */
  error: string | null;
  costUsd: number;
  /** Input + output tokens of the root model's own calls. */
  rootTokens: number;
  /** Input + output tokens of everything else: sub-calls and child agents. */
  subTokens: number;
  llmCalls: number;
  /** Deepest agent reached (root = 0; the baseline is 0). */
  depth: number;
  wallMs: number;
  /** Largest single prompt the root model was sent, in characters. */
  rootPromptChars: number;
  /** The same in estimated tokens (chars / 4). */
  rootPromptTokens: number;
  contextChars: number;
  /** The base model's prompt with the whole context, in characters: what the baseline needs at this size. */
  fullPromptChars: number;
  /** Fraction of the context the model was shown in its prompt (RLM: 0, it sees none; baseline: 1 unless cut). */
  contextInPrompt: number;
}

/** Records one run's steps (see `BenchOptions.record`). */
export interface RunRecorder {
  onStep(step: StepResult): void;
  close(): void;
}

/** What a benchmark run needs. */
export interface BenchOptions {
  task: TaskSpec;
  /** Context sizes in estimated tokens. */
  sizes: readonly number[];
  /** Instances per size. */
  n: number;
  seed: number;
  /** The RLM's root model. */
  llm: LLMClient;
  /** Model of sub-calls and child agents (default: `llm`). */
  subModel?: LLMClient;
  /** The base model for the baseline; no baseline runs when absent. */
  baselineLlm?: LLMClient;
  /** The base model's context window in tokens; the baseline prompt is cut to fit it. */
  windowTokens: number;
  runtime: Runtime;
  limits?: Partial<Limits>;
  /**
   * Called when an RLM run starts, with its step-0 state; the returned recorder gets every step
   * and is closed when the run ends (e.g. a trace writer).
   */
  record?: (instance: Instance, initial: RunState) => RunRecorder;
  /** Called after each result (progress). */
  onResult?: (result: InstanceResult) => void;
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Runs one instance through an RLM. Never rejects for a model or code failure: that is a 0 with `error`. */
export async function runRlm(instance: Instance, options: Pick<BenchOptions, 'llm' | 'subModel' | 'runtime' | 'limits' | 'record'>): Promise<InstanceResult> {
  const root = new MeteredLLM(options.llm);
  // subModel is always set, so the meter sees the root's own calls only.
  const engine = new Engine({ llm: root, subModel: options.subModel ?? options.llm, runtime: options.runtime });
  const started = performance.now();
  let state: RunState;
  let recorder: RunRecorder | undefined;
  try {
    const initial = engine.init(instance.query, instance.context, { limits: options.limits ?? {} });
    recorder = options.record?.(instance, initial);
    state = await engine.runFrom(initial, recorder ? { onStep: (s) => recorder!.onStep(s) } : {});
  } finally {
    recorder?.close();
    await engine.close();
  }
  const rootTokens = root.usage.inputTokens + root.usage.outputTokens;
  return rlmResult(instance, state, { wallMs: performance.now() - started, rootTokens, rootPromptChars: root.maxPromptChars });
}

/**
 * The scored result of an RLM run that ended in `state`. `measured`: wall time (ms), the root
 * model's own tokens (input + output), and its largest prompt in characters.
 */
export function rlmResult(instance: Instance, state: RunState, measured: { wallMs: number; rootTokens: number; rootPromptChars: number }): InstanceResult {
  const node = state.nodes[state.rootId]!;
  const usage = totalUsage(state);
  const answer = node.error ? null : textOf(node.result);
  return {
    instance: instance.id,
    task: instance.task,
    sizeTokens: instance.sizeTokens,
    system: 'rlm',
    score: answer === null ? 0 : score(instance.scoreKind, answer, instance.gold),
    answer,
    gold: instance.gold,
    error: node.error ? `${node.error.kind}: ${node.error.message}` : null,
    costUsd: usage.costUsd,
    rootTokens: measured.rootTokens,
    subTokens: usage.inputTokens + usage.outputTokens - measured.rootTokens,
    llmCalls: usage.llmCalls,
    depth: Math.max(...Object.values(state.nodes).map((n) => n.depth)),
    wallMs: measured.wallMs,
    rootPromptChars: measured.rootPromptChars,
    rootPromptTokens: promptTokens(measured.rootPromptChars),
    contextChars: instance.context.length,
    fullPromptChars: baselinePrompt(instance.context, instance.query, Number.MAX_SAFE_INTEGER).fullChars,
    contextInPrompt: 0,
  };
}

/** Runs one instance through the base model, the whole context (cut to `windowTokens`) in one prompt. */
export async function runBaseline(instance: Instance, llm: LLMClient, windowTokens: number): Promise<InstanceResult> {
  const { prompt, kept, fullChars } = baselinePrompt(instance.context, instance.query, windowTokens);
  const started = performance.now();
  let answer: string | null = null;
  let error: string | null = null;
  let usage = { inputTokens: 0, outputTokens: 0, costUsd: 0, llmCalls: 1 };
  try {
    const reply = await llm.complete({ messages: [{ role: 'user', content: prompt }] });
    answer = reply.text;
    usage = reply.usage;
  } catch (err) {
    error = `llm_error: ${(err as Error).message}`;
  }
  return {
    instance: instance.id,
    task: instance.task,
    sizeTokens: instance.sizeTokens,
    system: 'baseline',
    score: answer === null ? 0 : score(instance.scoreKind, answer, instance.gold),
    answer,
    gold: instance.gold,
    error,
    costUsd: usage.costUsd,
    rootTokens: usage.inputTokens + usage.outputTokens,
    subTokens: 0,
    llmCalls: usage.llmCalls,
    depth: 0,
    wallMs: performance.now() - started,
    rootPromptChars: prompt.length,
    rootPromptTokens: promptTokens(prompt.length),
    contextChars: instance.context.length,
    fullPromptChars: fullChars,
    contextInPrompt: kept,
  };
}

/** The instances of a run, size by size (instance seeds derive from `seed`, see `instanceSeed`). */
export function* instances(task: TaskSpec, sizes: readonly number[], n: number, seed: number): Generator<Instance> {
  for (const size of sizes) for (let i = 0; i < n; i++) yield task.generate(size, instanceSeed(seed, task.name, size, i), i);
}

/** Runs every instance (one at a time: a run's own sub-calls are already concurrent) and returns every result. */
export async function runBench(options: BenchOptions): Promise<InstanceResult[]> {
  const results: InstanceResult[] = [];
  for (const instance of instances(options.task, options.sizes, options.n, options.seed)) {
    const rlm = await runRlm(instance, options);
    results.push(rlm);
    options.onResult?.(rlm);
    if (options.baselineLlm) {
      const base = await runBaseline(instance, options.baselineLlm, options.windowTokens);
      results.push(base);
      options.onResult?.(base);
    }
  }
  return results;
}
