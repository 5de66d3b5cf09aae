/**
 * Runs one `serve` request as one agent tree: the conversation becomes the query and `CONTEXT`
 * (`conversationToTask`), the tree runs on a fresh engine over the caller's runtime (its own from
 * `CallerRuntimes`, or the one shared runtime), progress goes to the route as engine events, and
 * an optional trace file records every step.
 */
import { join } from 'node:path';
import { Engine, answerOf, conversationToTask, totalUsage, TraceWriter, type ChatMessage, type EngineEvent, type Json, type Limits, type LLMClient, type RunState, type SubCallCache, type Tool, type Usage } from '@rlmtree/core';
import { leaseRuntime, type ServeRuntime } from './caller-runtimes.ts';
import { RunFailedError } from './errors.ts';
import type { OutputSpec } from './output.ts';
import type { ServeSessions } from './sessions.ts';

/** What every request's tree runs with: the models, the runtime, tools and limits. */
export interface ServeRunnerOptions {
  /** The root agent's model. */
  llm: LLMClient;
  /** Model for sub-calls and child agents (default: `llm`). */
  subModel?: LLMClient;
  /**
   * Hosts the REPLs: a `CallerRuntimes` gives each request (each session, with `sessions`) a
   * runtime of its own, closed when it ends; a plain `Runtime` is shared by every caller (one
   * trust domain). Its owner (the serve command) closes it.
   */
  runtime: ServeRuntime;
  /** Host functions agent code can call. */
  tools?: Readonly<Record<string, Tool>>;
  /** Limits of each request's run (defaults: `DEFAULT_LIMITS`). */
  limits?: Partial<Limits>;
  /** Answers repeated sub-calls for free, shared by every request (see cache-flags.ts). */
  subCallCache?: SubCallCache;
  /** When set, each request's run is recorded to `<traceDir>/<request id>.jsonl`. */
  traceDir?: string;
  /** Header facts of those traces (model spec, runtime), so `rlmtree replay` / `resume` can use them. */
  traceConfig?: Record<string, Json>;
  /**
   * Keep conversations: a request that continues an earlier one is the next turn of its session
   * (see `sessions.ts`); its trace holds every turn, named after its first request. Absent: one tree per request.
   */
  sessions?: ServeSessions;
}

/** One request to run. */
export interface RunRequest {
  /** The request id (`chatcmpl-…` / `resp_…`); names the trace file. */
  id: string;
  messages: readonly ChatMessage[];
  /** The client's connection: aborting it cancels the run. */
  signal: AbortSignal;
  /** Text or a typed result (see `output.ts`). */
  output: OutputSpec;
  /** Called with every engine event while the tree runs (for streamed progress). */
  onEvent?: (event: EngineEvent) => void;
  /** The session to continue (the `x-rlmtree-session` header); with `sessions` only. */
  sessionId?: string;
  /** Continue the session of this earlier request id (e.g. `previous_response_id`); with `sessions` only. */
  continueFrom?: string;
}

/** What a finished run gives the route. */
export interface RunOutcome {
  /** The answer as text: the result itself when it is a string, else its JSON. */
  text: string;
  /** The whole tree's usage. */
  usage: Usage;
  state: RunState;
  /** The trace file written, when `traceDir` is set. */
  tracePath?: string;
  /** The session the request was a turn of, when the runner keeps sessions. */
  sessionId?: string;
}

/** What the routes need of a runner: run one request (`options.traceDir` names trace files in log lines; `options.sessions` is set when it keeps conversations). */
export interface RequestRunner {
  run(request: RunRequest): Promise<RunOutcome>;
  readonly options: { readonly traceDir?: string; readonly sessions?: unknown };
}

/** Runs request trees in this process; one per server. */
export class ServeRunner implements RequestRunner {
  /** The models, runtime, tools, limits and trace folder of every request. */
  readonly options: ServeRunnerOptions;
  /** @param options the models, runtime, tools, limits and trace folder of every request. */
  constructor(options: ServeRunnerOptions) {
    this.options = options;
  }

  /**
   * Runs the tree for `request` to its end.
   * @throws RunFailedError when the root ends without an answer (a limit, a model failure).
   * @throws LLMError (`malformed`) when the messages hold no user message.
   * @throws the abort reason when the client hung up.
   */
  async run(request: RunRequest): Promise<RunOutcome> {
    const o = this.options;
    if (o.sessions) return o.sessions.run(o, request);
    const { query, context } = conversationToTask(request.messages);
    const lease = await leaseRuntime(o.runtime);
    const engine = new Engine({ llm: o.llm, ...(o.subModel ? { subModel: o.subModel } : {}), runtime: lease.runtime, ...(o.tools ? { tools: o.tools } : {}), ...(o.subCallCache ? { subCallCache: o.subCallCache } : {}), signal: request.signal });
    const unsubscribe = request.onEvent ? engine.on('*', request.onEvent) : () => {};
    let trace: TraceWriter | undefined;
    try {
      const start = engine.init(query, context, { ...(o.limits ? { limits: o.limits } : {}), ...(request.output.type === 'json' ? { result: request.output.schema } : {}) });
      trace = o.traceDir ? TraceWriter.create(join(o.traceDir, `${request.id}.jsonl`), start, { config: { ...o.traceConfig, request: request.id } }) : undefined;
      const record = trace?.follow(start);
      const state = await engine.runFrom(start, record ? { onStep: record } : {});
      let text: string;
      try {
        text = answerOf(state);
      } catch {
        const error = state.nodes[state.rootId]!.error!;
        throw new RunFailedError(error.kind, `the run ended without an answer: ${error.kind}: ${error.message}`);
      }
      return { text, usage: totalUsage(state), state, ...(trace ? { tracePath: trace.path } : {}) };
    } finally {
      unsubscribe();
      trace?.close();
      await engine.close();
      // The caller's own runtime goes with its request (its REPLs, processes and container). The
      // answer does not wait for that: removing a container takes seconds on vfs, and the
      // server's close waits for every release still running (CallerRuntimes.close).
      void lease.release();
    }
  }
}
