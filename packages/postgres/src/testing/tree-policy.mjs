// A SCRIPTED model for the distributed tests and benchmarks: each task is a small tree (a root
// and two children, all with real REPLs). REPL variables carry values across cells, so a run
// continued on another worker only gets the right answer if the REPLs were rebuilt from the record.
// Task "task K" over a context of numbers: the answer is "task K: <2 * sum + 1>".
// Env: RLMTREE_POLICY_LATENCY_MS (default 100) delays each reply like a model would;
// RLMTREE_CALL_LOG, when set, gets one JSON line per model call as it starts (pid, agent, turn),
// written synchronously so a SIGKILL right after still leaves it counted.
import { appendFileSync } from 'node:fs';

const repl = (code) => '```repl\n' + code + '\n```';

function script(query) {
  const task = /^task (\d+)$/.exec(query);
  if (task) {
    const k = task[1];
    return [
      repl('nums = [int(x) for x in CONTEXT.split() if x.isdigit()]\nhalf = len(nums) // 2\nprint(len(nums))'),
      repl(`hs = [delegate("a", "sum ${k} a", context=" ".join(map(str, nums[:half]))), delegate("b", "sum ${k} b", context=" ".join(map(str, nums[half:])))]\nres = yield wait(*hs)\ntotal = sum(res)`),
      repl(`done(f"task ${k}: {2 * total + 1}")`),
    ];
  }
  if (/^sum \d+ [ab]$/.test(query)) return [repl('s = sum(int(x) for x in CONTEXT.split())'), repl('done(s)')];
  throw new Error(`tree-policy: unknown query ${JSON.stringify(query)}`);
}

export default async function reply(request, { turn }) {
  const first = request.messages.find((m) => m.role === 'user').content;
  const query = /^Query: (.*)$/m.exec(first)?.[1] ?? '';
  if (process.env.RLMTREE_CALL_LOG) appendFileSync(process.env.RLMTREE_CALL_LOG, `${JSON.stringify({ pid: process.pid, agent: query, turn })}\n`);
  const latency = Number(process.env.RLMTREE_POLICY_LATENCY_MS ?? 100);
  if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
  const replies = script(query);
  if (turn >= replies.length) throw new Error(`tree-policy: no reply for ${query} turn ${turn}`);
  return replies[turn];
}
