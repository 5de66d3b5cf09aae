/**
 * Structured sub-calls: what `schema=` costs on top of a plain sub-call. Run:
 * `node --conditions=@rlmtree/source bench/structured-subcalls.bench.ts [--prompts 1000] [--rounds 3]`.
 *
 * One cell calls `llm_query_batched` with N prompts through a real subprocess REPL; the sub-model
 * is a `ScriptedLLM` answering at once with a small JSON object, so what is measured is the
 * machinery: the host parsing and checking each reply against the schema (ajv, compiled once per
 * schema), recording it, and Python turning the values into what the code asked for. Variants,
 * measured in the same run, best of `rounds`, after a warm-up cell:
 *   - plain: no schema, the reply text comes back as a str (the baseline);
 *   - JSON Schema dict: the parsed dict;
 *   - {field: type}: the same via the Python type mapping;
 *   - pydantic model: a model instance per reply (model_validate in the REPL).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { markdownTable } from 'markdown-table';
import { Engine, ScriptedLLM, type RunState } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const { values } = parseArgs({ options: { prompts: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' } } });
const N = Number(values.prompts);
const ROUNDS = Number(values.rounds);
const block = (code: string) => '```repl\n' + code + '\n```';
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const loadBefore = load();

const SETUP = [
  'from pydantic import BaseModel',
  'class Row(BaseModel):',
  '    speaker: str',
  '    speeches: int',
  'SCHEMA = {"type": "object", "properties": {"speaker": {"type": "string"}, "speeches": {"type": "integer"}}, "required": ["speaker", "speeches"], "additionalProperties": False}',
  `PROMPTS = [f"prompt {i}" for i in range(${N})]`,
].join('\n');
const VARIANTS: [string, string][] = [
  ['plain', 'r = llm_query_batched(PROMPTS)'],
  ['JSON Schema dict', 'r = llm_query_batched(PROMPTS, schema=SCHEMA)'],
  ['{field: type}', 'r = llm_query_batched(PROMPTS, schema={"speaker": str, "speeches": int})'],
  ['pydantic model', 'r = llm_query_batched(PROMPTS, schema=Row)'],
];

const sub = new ScriptedLLM((req) => (req.responseFormat ? '{"speaker": "MENENIUS", "speeches": 3}' : 'MENENIUS has 3 speeches'));
const runtime = new SubprocessRuntime();
// The root runs the setup, then every variant ROUNDS times, each as its own cell, then finishes.
const cells = [SETUP, ...Array.from({ length: ROUNDS }, () => VARIANTS.map(([, code]) => code)).flat(), 'done(len(r))'];
const engine = new Engine({ llm: new ScriptedLLM(cells.map(block)), subModel: sub, runtime, subCallConcurrency: 64 });
const ms = new Map<string, number[]>();
let state: RunState = engine.init('bench', 'ctx', { limits: { maxIterations: cells.length + 1 } });
let cell = 0;
for (;;) {
  const started = performance.now();
  state = await engine.step(state);
  const root = state.nodes.root!;
  if (root.cells.length > cell) {
    if (cell > 0 && cell < cells.length - 1) {
      const [name] = VARIANTS[(cell - 1) % VARIANTS.length]!;
      ms.set(name, [...(ms.get(name) ?? []), performance.now() - started]);
    }
    if (root.cells[cell]!.status === 'error') throw new Error(`cell ${cell} failed: ${root.cells[cell]!.error?.message}`);
    cell = root.cells.length;
  }
  if (root.status === 'FINISHED') break;
}
await engine.close();
await runtime.close();

const best = (name: string) => Math.min(...ms.get(name)!);
const base = best('plain');
const rows = VARIANTS.map(([name]) => [name, best(name).toFixed(0), ((best(name) / N) * 1000).toFixed(0), (best(name) / base).toFixed(2)]);
process.stdout.write(`structured sub-calls: llm_query_batched of ${N} prompts in one cell, best of ${ROUNDS}; load average ${loadBefore} (before) / ${load()} (after)\n\n`);
process.stdout.write(`${markdownTable([['variant', 'cell ms', 'µs per prompt', '× plain'], ...rows])}\n`);
