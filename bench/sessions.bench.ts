/**
 * Session prompt size (issue 12). Run: `node bench/sessions.bench.ts`.
 *
 * A 20-turn session on the real subprocess runtime with a scripted model: each turn's first cell
 * prints a 400-line report (about 16 KB, what a model inspecting data often prints), its second
 * calls done(). The same session runs twice in this process: once with compaction (the defaults:
 * earlier turns' outputs cut to 20 lines / 1 KB), once without. Printed per turn: the size of the
 * root's prompt at the turn's first model call (characters, and tokens estimated as chars / 4),
 * and the ratio. A third run adds a history budget of 4,000 tokens.
 */
import { loadavg } from 'node:os';
import { estimateTokens, ScriptedLLM, Session, type Compaction, type CompletionRequest } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';

const TURNS = 20;
const block = (code: string) => '```repl\n' + code + '\n```';
const REPORT = block('rows = [f"row {i:4d} turn {len(CONTEXTS) - 1}: " + "x" * 24 for i in range(400)]\nprint("\\n".join(rows))');

async function measure(runtime: SubprocessRuntime, compaction: Partial<Compaction>): Promise<number[]> {
  const sizes: number[] = [];
  const llm = new ScriptedLLM((request: CompletionRequest) => {
    const last = request.messages.at(-1)!;
    const opening = last.role === 'user' && /Query: /.test(last.content);
    if (opening) {
      sizes.push(request.messages.reduce((n, m) => n + m.content.length, 0));
      return REPORT;
    }
    return block('done(len(rows))');
  });
  const session = Session.create({ llm, runtime, compaction, limits: { maxOutputChars: 20_000 } });
  for (let t = 0; t < TURNS; t++) await session.send(`report ${t}`, t === 0 ? { context: 'data' } : {});
  await session.close();
  return sizes;
}

const runtime = new SubprocessRuntime();
try {
  const started = performance.now();
  const off = await measure(runtime, { enabled: false });
  const on = await measure(runtime, {});
  const budget = await measure(runtime, { historyTokens: 4000 });
  const ms = performance.now() - started;
  const fmt = (n: number) => n.toLocaleString('en-US');
  console.log(`Root prompt size at each turn's first model call, ${TURNS} turns, subprocess runtime (${(ms / 1000).toFixed(1)} s, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; shared machine)\n`);
  console.log('| turn | no compaction: chars | ~tokens | compaction 20 lines / 1 KB: chars | ~tokens | ratio | + 4,000-token history budget: chars | ratio |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (let t = 0; t < TURNS; t++) {
    if (t > 4 && t % 5 !== 4 && t !== TURNS - 1) continue;
    const a = off[t]!;
    const b = on[t]!;
    const c = budget[t]!;
    console.log(`| ${t} | ${fmt(a)} | ${fmt(estimateTokens('x'.repeat(a)))} | ${fmt(b)} | ${fmt(estimateTokens('x'.repeat(b)))} | ${(a / b).toFixed(1)}x | ${fmt(c)} | ${(a / c).toFixed(1)}x |`);
  }
} finally {
  await runtime.close();
}
