/**
 * A TypeScript consumer of the published packages: the consumer check (scripts/consumer-check.ts)
 * copies this file into a fresh project that installed the packed tarballs and type-checks it
 * with strict + NodeNext + exactOptionalPropertyTypes (scripts/consumer/tsconfig.json), then
 * runs it. It touches each package's public API the way a user's code would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_LIMITS,
  Engine,
  FileCheckpointStore,
  isFinished,
  RLM,
  readTrace,
  renderTree,
  replay,
  ScriptedLLM,
  SqliteCheckpointStore,
  TraceWriter,
  totalUsage,
  type LLMClient,
  type Limits,
  type RunState,
} from '@rlmtree/core';
import { startFakeHttp } from '@rlmtree/core/testing';
import { DockerRuntime, PRELUDE_DIR, SubprocessRuntime, type DockerRuntimeOptions } from '@rlmtree/runtime-python';
import { JupyterRuntime, type JupyterRuntimeOptions } from '@rlmtree/runtime-jupyter';
import { OpenAIClient } from '@rlmtree/openai';
import { startFakeOpenAI } from '@rlmtree/openai/testing';
import { AnthropicClient } from '@rlmtree/anthropic';
import { viewerHtml } from '@rlmtree/viewer';
import { taskByName } from '@rlmtree/bench';
import { main as cliMain } from '@rlmtree/cli';

const dir = mkdtempSync(join(tmpdir(), 'rlmtree-consumer-'));
const limits: Partial<Limits> = { maxDepth: 1, maxIterations: DEFAULT_LIMITS.maxIterations };
const llm: LLMClient = new ScriptedLLM([
  '```repl\nh = delegate("half", "count", context=CONTEXT[:9])\nr = yield wait(h)\ndone(r[0])\n```',
  '```repl\ndone(len(CONTEXT.split()))\n```',
]);
const runtime = new SubprocessRuntime();
const engine = new Engine({ llm, runtime });
const trace = join(dir, 'run.jsonl');
let state: RunState = engine.init('count', 'one two three four', { limits });
const writer = TraceWriter.create(trace, state);
const record = writer.follow(state);
while (!isFinished(state)) {
  const step = await engine.stepWithEvents(state);
  record(step);
  state = step.state;
}
writer.close();
await engine.close();
console.log(renderTree(state));
console.log('answer', state.nodes.root!.result, 'tokens', totalUsage(state).inputTokens > 0);
const states = replay(await readTrace(trace));
console.log('replayed steps', states.length, 'html chars', (await viewerHtml({ states })).length > 1000);

const files = new FileCheckpointStore(join(dir, 'checkpoints'));
await files.put(state);
const sqlite = await SqliteCheckpointStore.open(join(dir, 'runs.sqlite'));
await sqlite.put(state);
console.log('checkpoints', (await files.list(state.runId)).length, (await sqlite.list(state.runId)).length);
await sqlite.close();

// A real client through its SDK against the fake server, inside an RLM (itself an LLMClient).
const fake = await startFakeOpenAI({ reply: new ScriptedLLM(['```repl\ndone("from the fake server")\n```']) });
const openai = new OpenAIClient({ model: 'gpt-5-mini', baseURL: fake.baseURL, apiKey: 'test' });
const rlm = new RLM({ llm: openai, runtime, limits });
console.log('rlm', (await rlm.run('q', 'ctx')).answer);
await fake.close();
await runtime.close();

// Options type-checked only: constructing these runtimes starts a container or a Jupyter server.
const optional: { memory?: string } = {};
const dockerOptions: DockerRuntimeOptions = { image: 'rlmtree-python:latest', ...optional };
const jupyterOptions: JupyterRuntimeOptions = { poolSize: 0 };
const anthropic = new AnthropicClient({ model: 'claude-sonnet-4-5', apiKey: 'test' });
void [DockerRuntime, JupyterRuntime, dockerOptions, jupyterOptions, anthropic, startFakeHttp, PRELUDE_DIR, taskByName('oolong').name, cliMain];
rmSync(dir, { recursive: true, force: true });
console.log('consumer ok');
