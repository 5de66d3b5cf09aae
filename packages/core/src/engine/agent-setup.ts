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

const PY = `import json as _rlmtree_json
_rlmtree_setup = _rlmtree_json.loads(__PAYLOAD__)

def FINAL(value):
    """Finish with \`value\` as the answer (the official RLM's name for done)."""
    done(value)

def FINAL_VAR(name):
    """Finish with the REPL variable called \`name\` as the answer (FINAL_VAR("answer") or FINAL_VAR(answer))."""
    if isinstance(name, str):
        key = name.strip().strip("\\"'")
        if key.isidentifier():
            if key not in globals():
                raise NameError("FINAL_VAR: no variable named %r; SHOW_VARS() lists the variables you made" % key)
            done(globals()[key])
    done(name)

def SHOW_VARS():
    """The variables you made in this REPL, by name, with their types."""
    return {k: type(v).__name__ for k, v in globals().items() if not k.startswith("_") and k not in _rlmtree_builtin_names}

class Document(str):
    """A document of a folder context: a str with the file's path relative to the folder as .path."""
    path = None
    def __new__(cls, text, path):
        doc = super().__new__(cls, text)
        doc.path = path
        return doc
    def __reduce__(self):
        return (Document, (str(self), self.path))

if _rlmtree_setup["paths"] is not None:
    PATHS = list(_rlmtree_setup["paths"])
    CONTEXT = [Document(text, path) for text, path in zip(CONTEXT, PATHS)]
context = CONTEXT

_rlmtree_raw_tools = {t["name"]: globals()[t["name"]] for t in _rlmtree_setup["tools"] if t["name"] in globals()}

def __rlmtree_tool__(name, kwargs, omitted):
    sent = {k: v for k, v in kwargs.items() if not (k in omitted and v is None)}
    return _rlmtree_raw_tools[name](**sent)

_rlmtree_tool = None
for _rlmtree_tool in _rlmtree_setup["tools"]:
    exec(_rlmtree_tool["stub"], globals())

if not _rlmtree_setup["sub_calls"]:
    # The RLM paper's "no sub-calls" ablation (maxSubCalls 0): the functions are not there at all.
    del llm_query, llm_query_batched

_rlmtree_builtin_names = set(globals())
del _rlmtree_setup, _rlmtree_json, _rlmtree_tool
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
