/**
 * `rlmtree serve --model <spec>`: an OpenAI-compatible endpoint backed by an RLM, so any app that
 * speaks `/v1/chat/completions` can use an RLM as its model by changing its base URL. Each
 * request runs one agent tree over its messages (see `conversationToTask` in core).
 */
import type { ServerType } from '@hono/node-server';
import { Option, type Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Limits, LLMClient } from '@rlmtree/core';
import { CliError } from '../errors.ts';
import { modelFromSpec } from '../models.ts';
import { commandHelp, MODEL_HELP } from '../help-text.ts';
import { addLimitFlags, limitsFromFlags, positiveNumber, wholeNumber, type LimitFlags } from '../limit-flags.ts';
import { addCacheFlags, subCallCacheFromFlags, type CacheFlags } from '../cache-flags.ts';
import { addRuntimeFlag, checkedRuntime } from '../runtimes.ts';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENT_RUNS, DEFAULT_RETRY_AFTER_S } from '../serve/defaults.ts';
import { CallerRuntimes, type ServeRuntime } from '../serve/caller-runtimes.ts';
import { ServeRunner, type RequestRunner } from '../serve/runner.ts';
import { QueueRunner } from '../serve/queue-runner.ts';
import { trackRequestlessSockets } from '../serve/requestless-sockets.ts';
import { openQueue } from '../postgres.ts';
import { collect, loadTools } from '../tools.ts';
import { DEFAULT_SESSION_IDLE_MS, ServeSessions } from '../serve/sessions.ts';
import { requireOptions } from './run.ts';

/** Options of `rlmtree serve`, as parsed. */
export interface ServeCommandOptions extends LimitFlags, CacheFlags {
  /** Required unless `postgres` is set (then the workers hold the models). */
  model?: string;
  /** Hand each request to `rlmtree worker` processes on this PostgreSQL queue instead of running it here. */
  postgres?: string;
  schema?: string;
  /** `--tools` files or folders of tool modules. */
  tools?: string[];
  /** `--workspace`: the folder the built-in file tools work in. */
  workspace?: string;
  /** `--workspace-write`: add write_file. */
  workspaceWrite?: boolean;
  subModel?: string;
  runtime: string;
  /** `--runtime-per`: `caller` (a runtime per request or session) or `server` (one shared); default by runtime (`defaultRuntimePer`). */
  runtimePer?: RuntimePer;
  /** `--warm-runtimes`: with `caller`, runtimes kept started ahead of requests. */
  warmRuntimes: number;
  host: string;
  port: number;
  token?: string;
  servedModelName: string;
  maxBodySize: number;
  maxConcurrentRuns: number;
  retryAfter: number;
  /** `--cors` alone: any origin (`true`); `--cors <origins>`: a comma-separated list. */
  cors?: string | boolean;
  traceDir?: string;
  /** `--no-log`: no request log lines. */
  log: boolean;
  /** Keep conversations as sessions (`--sessions`; default: one tree per request). */
  sessions?: boolean;
  /** Seconds an unused session is kept. */
  sessionIdle: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Whether each caller gets a runtime of its own (`caller`) or all share one (`server`). */
export type RuntimePer = 'caller' | 'server';

/**
 * The default of `--runtime-per` for a runtime name. `docker`: a container per caller, or callers
 * could read each other's files and REPL memory and share the container's limits. `subprocess`: a
 * fork server and process group per caller (cheap, and one caller's code killing its process
 * group or forking without end then stays its own; the host user is still one trust domain).
 * `jupyter`: one server, since a local server per caller costs seconds and its kernels run as the
 * host user anyway; `pyodide`: each agent already has an interpreter of its own in its own worker.
 * Plugin runtimes: one shared, unless `--runtime-per caller`. docs/serve.md has the table.
 */
export function defaultRuntimePer(runtimeName: string): RuntimePer {
  return runtimeName === 'docker' || runtimeName === 'subprocess' ? 'caller' : 'server';
}

/** A running server: its URL (with `/v1`) and a `close` that stops it and the runtime. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the server and resolves once it listens.
 * @throws CliError for a bad model spec, runtime or port.
 */
export async function startServe(opts: ServeCommandOptions): Promise<RunningServer> {
  const limits = limitsFromFlags(opts);
  if (opts.postgres) return startQueueServe(opts, limits);
  if (!opts.model) throw new CliError('serve: --model <spec> is required (or --postgres <url> to hand requests to workers)');
  const llm = await modelFromSpec(opts.model);
  const subModel: LLMClient | undefined = opts.subModel ? await modelFromSpec(opts.subModel) : undefined;
  const tools = opts.tools?.length || opts.workspace ? await loadTools(opts.tools ?? [], opts.workspace ? { dir: opts.workspace, write: opts.workspaceWrite ?? false } : undefined) : undefined;
  // Prerequisites (python3, a Docker daemon and image, Jupyter) before the server takes requests.
  const checked = await checkedRuntime(opts.runtime);
  const per = opts.runtimePer ?? defaultRuntimePer(opts.runtime.split('=')[0]!);
  // Per caller: the checked runtime is the first caller's; later ones are made as spares.
  const runtime: ServeRuntime = per === 'caller' ? new CallerRuntimes({ first: checked, warm: opts.warmRuntimes, create: () => checkedRuntime(opts.runtime) }) : checked;
  let traceDir: string | undefined;
  if (opts.traceDir) {
    traceDir = resolve(opts.traceDir);
    try {
      mkdirSync(traceDir, { recursive: true });
    } catch (err) {
      await runtime.close();
      throw new CliError(`--trace-dir ${opts.traceDir}: ${(err as Error).message}`);
    }
  }
  const sessions = opts.sessions ? new ServeSessions({ idleMs: Math.round(opts.sessionIdle * 1000) }) : undefined;
  const subCallCache = await subCallCacheFromFlags(opts);
  const runner = new ServeRunner({
    ...(subCallCache ? { subCallCache } : {}),
    ...(sessions ? { sessions } : {}),
    llm,
    ...(subModel ? { subModel } : {}),
    runtime,
    limits,
    ...(tools ? { tools } : {}),
    ...(traceDir ? { traceDir, traceConfig: { model: opts.model, ...(opts.subModel ? { subModel: opts.subModel } : {}), runtime: opts.runtime } } : {}),
  });
  return listen(opts, runner, async () => {
    await sessions?.close();
    await runtime.close();
    await subCallCache?.close?.();
  });
}

/** `--postgres`: requests become runs on the queue; no model or runtime in this process. */
async function startQueueServe(opts: ServeCommandOptions, limits: Partial<Limits>): Promise<RunningServer> {
  for (const [flag, set] of [['--model', opts.model], ['--sub-model', opts.subModel], ['--trace-dir', opts.traceDir], ['--sessions', opts.sessions], ['--tools', opts.tools?.length], ['--workspace', opts.workspace]] as const) {
    if (set) throw new CliError(`serve: ${flag} does not go with --postgres (the workers run the trees: give models to rlmtree worker; the steps are in PostgreSQL)`);
  }
  const queue = await openQueue({ postgres: opts.postgres!, ...(opts.schema ? { schema: opts.schema } : {}) });
  return listen(opts, new QueueRunner(queue, limits), () => queue.close());
}

/** Serves `runner` on the options' host and port; `closeRest` frees what the runner holds. */
async function listen(opts: ServeCommandOptions, runner: RequestRunner, closeRest: () => Promise<void>): Promise<RunningServer> {
  const token = opts.token ?? process.env.RLMTREE_SERVE_TOKEN;
  const corsOrigins = opts.cors === true ? ['*'] : typeof opts.cors === 'string' ? opts.cors.split(',').map((o) => o.trim()).filter(Boolean) : undefined;
  // The server (hono) is loaded when it serves, not for every rlmtree command or --help.
  const [{ createServeApp }, { serve }] = await Promise.all([import('../serve/app.ts'), import('@hono/node-server')]);
  const app = createServeApp({
    runner,
    modelName: opts.servedModelName,
    ...(token ? { token } : {}),
    ...(corsOrigins ? { corsOrigins } : {}),
    maxBodyBytes: opts.maxBodySize,
    maxConcurrentRuns: opts.maxConcurrentRuns,
    retryAfterS: opts.retryAfter,
    ...(opts.log ? {} : { log: false as const }),
  });
  if (!LOOPBACK.has(opts.host) && !token) {
    process.stderr.write(`warning: serving on ${opts.host} with no --token: anyone who can reach it can run code through the model\n`);
  }
  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port }, () => resolve(s));
      s.once('error', (err: NodeJS.ErrnoException) => {
        const why = err.code === 'EADDRINUSE' ? 'the port is in use (choose another with --port, or --port 0 for a free one)' : err.message;
        reject(new CliError(`cannot listen on ${opts.host}:${opts.port}: ${why}`));
      });
    });
  } catch (err) {
    // Nothing may keep the process alive after a failed start (sessions, the runtime's pool, the queue).
    await closeRest();
    throw err;
  }
  const endRequestless = trackRequestlessSockets(server);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/v1`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      endRequestless();
      await closed;
      await closeRest();
    },
  };
}

/** Adds `serve` to the program. */
export function registerServe(cli: Command): void {
  const command = cli
    .command('serve')
    .description('serve an RLM as an OpenAI-compatible API: POST /v1/chat/completions, POST /v1/responses, GET /v1/models, GET /health')
    .option('-m, --model <spec>', `root model [required unless --postgres]: ${MODEL_HELP}`)
    .option('--sub-model <spec>', 'model for llm_query sub-calls and child agents (default: --model)');
  addRuntimeFlag(command);
  command
    .addOption(new Option('--runtime-per <who>', 'caller: each request (each session, with --sessions) gets its own runtime, closed when it ends (a container of its own with docker); server: one runtime for every caller. Default: caller for docker and subprocess, server for the others').choices(['caller', 'server']))
    .option('--warm-runtimes <n>', 'with --runtime-per caller: runtimes kept started ahead of requests', wholeNumber(0), 1)
    .option('--host <address>', 'address to listen on (loopback by default)', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', wholeNumber(0), 8080)
    .option('--token <token>', 'require Authorization: Bearer <token> (default: RLMTREE_SERVE_TOKEN, else none)')
    .option('--served-model-name <name>', 'the model id clients send and /v1/models lists', 'rlmtree');
  // Per request: the limits apply to each request's agent tree.
  addLimitFlags(command);
  addCacheFlags(command);
  command
    .option('--max-body-size <bytes>', 'largest request body accepted; larger ones get 413', wholeNumber(1), DEFAULT_MAX_BODY_BYTES)
    .option('--max-concurrent-runs <n>', 'agent trees run at once; a request past it gets 429 with Retry-After', wholeNumber(1), DEFAULT_MAX_CONCURRENT_RUNS)
    .option('--retry-after <seconds>', 'the Retry-After of a 429', wholeNumber(0), DEFAULT_RETRY_AFTER_S)
    .option('--cors [origins]', 'send CORS headers: for any origin, or for a comma-separated list of origins')
    .option('--trace-dir <dir>', 'record each request as a trace file <dir>/<request id>.jsonl (rlmtree replay / view read it)')
    .option('--no-log', 'no request log line on stderr')
    .option('--tools <file|folder>', 'host tools for the agents: a module exporting tool()s, or a folder of them (repeatable; files starting with _ skipped)', collect)
    .option('--workspace <dir>', 'give the agents the built-in file tools (list_files, read_file, grep_files) over this folder')
    .option('--workspace-write', 'with --workspace: also write_file')
    .option('--postgres <url>', 'hand each request to rlmtree worker processes on this PostgreSQL queue; this server runs no tree (docs/distributed.md)')
    .option('--schema <name>', 'with --postgres: the Postgres schema of the queue', 'rlmtree')
    .option('--sessions', 'keep conversations: a request that continues an earlier one (same messages plus its answer, or the x-rlmtree-session header) continues its session and REPL instead of a fresh tree')
    .addOption(new Option('--session-idle <seconds>', 'close a session (and its REPLs) unused this long').argParser(positiveNumber).default(DEFAULT_SESSION_IDLE_MS / 1000))
    .addHelpText('after', commandHelp('serve', ['rlmtree serve --model openai:gpt-5 --port 8080   # then point any OpenAI SDK at http://127.0.0.1:8080/v1'], [['RLMTREE_SERVE_TOKEN', 'the bearer token clients must send (like --token)']]))
    .action(async (opts: ServeCommandOptions) => {
      if (!opts.postgres) requireOptions(command, opts, ['model']);
      if (opts.port > 65535) command.error(`option '--port <n>' argument '${opts.port}' is invalid. takes a port number 0..65535`, { exitCode: 2, code: 'commander.invalidArgument' });
      const running = await startServe(opts);
      process.stderr.write(`rlmtree serve: listening on ${running.url} (model ${opts.servedModelName})\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await running.close();
    });
}
