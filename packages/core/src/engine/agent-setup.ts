/**
 * Setting up an agent's REPL after it opens: the names the state asks for beyond the prelude's
 * own, bound by Python code made from the state (never recorded as a cell, like a session's turn
 * binding), so a live REPL and a rebuilt one hold the same names before the same cells.
 *
 * - The official RLM's names: `context` (an alias of `CONTEXT`), `FINAL(value)` and
 *   `FINAL_VAR(name)` (finish like `done`), `SHOW_VARS()`. (`llm_query(prompt, max_tokens=...)`
 *   is the prelude's own signature.)
 * - A folder context's paths: `PATHS`, and each document of `CONTEXT` a `str` with `.path`.
 * - `tool()` tools: their real `def`s (signature, defaults, docstring), calling the prelude's
 *   host-call function for the tool by keyword, optional arguments left at `None` not sent.
 * - The "no sub-calls" ablation (`limits.maxSubCalls === 0`): `llm_query` and
 *   `llm_query_batched` removed from the namespace.
 */
import type { Repl } from '../runtime/runtime.ts';
import type { AgentNode, Json, RunState } from '../schema/state.ts';
import { toolAvailableAt } from '../tools/tool.ts';

// The Python of the setup lives in the prelude (rlmtree_prelude/agent_setup.py), compiled once
// where the prelude is imported: a REPL forked by the fork server runs the code object its server
// made instead of compiling ~60 lines per agent. The cell hands it this agent's payload.
const PY = `from rlmtree_prelude.agent_setup import run as _rlmtree_agent_setup
_rlmtree_agent_setup(globals(), __PAYLOAD__)
`;

/**
 * True when `code` is a REPL's setup code from `agentSetupCode` (in-memory runtimes with no Python
 * answer it as a cell that ran cleanly, since there are no names to bind).
 */
export function isAgentSetupCode(code: string): boolean {
  return code.startsWith(PY.slice(0, PY.indexOf('\n') + 1));
}

/**
 * The setup code of `node`'s REPL (see the module comment). Pure.
 */
export function agentSetupCode(state: Pick<RunState, 'tools' | 'limits'>, node: Pick<AgentNode, 'depth' | 'contextPaths'>): string {
  const tools = state.tools.filter((t) => t.stub && toolAvailableAt(t, node.depth)).map((t) => ({ name: t.name, stub: t.stub! }));
  const payload: Json = { paths: node.contextPaths ?? null, tools, sub_calls: state.limits.maxSubCalls !== 0 };
  // A JSON string literal is a valid Python string literal; json.loads decodes it in the REPL.
  return PY.replace('__PAYLOAD__', () => JSON.stringify(JSON.stringify(payload)));
}

/**
 * Runs the setup code in a freshly opened REPL.
 * @throws Error naming the agent when the setup does not run cleanly.
 */
export async function setUpRepl(repl: Repl, state: Pick<RunState, 'tools' | 'limits'>, node: Pick<AgentNode, 'id' | 'depth' | 'contextPaths'>, timeoutMs: number): Promise<void> {
  const result = await repl.execute(agentSetupCode(state, node), async (call) => ({ ok: false, error: `setting up a REPL makes no host calls (got ${call.name})` }), { cell: 0, timeoutMs });
  if (result.status !== 'ok') throw new Error(`agent ${node.id}: setting up its REPL ended with ${result.status}: ${result.error?.message ?? result.message ?? result.output}`);
}
