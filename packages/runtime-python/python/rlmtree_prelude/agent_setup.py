"""The agent setup's Python (packages/core/src/engine/agent-setup.ts says what it binds and why):
compiled once when the prelude is imported, so a REPL forked by the fork server finds the code
object made and runs it, instead of parsing and compiling it again for every agent (about 10 ms
and 170 page faults per forked REPL on the machine of issue 18). The engine's setup cell is two
lines that import `run` and hand it the state's payload.

The code runs in the agent's namespace as if it were the cell it used to be: the same source,
lines and file name (`<cell 0>`), so the functions and the class it defines have the namespace
as their globals, `__main__` as their module and the same qualnames (fingerprints of
`f = FINAL` or of a `Document` are unchanged).
"""

SOURCE = '''import json as _rlmtree_json
_rlmtree_setup = _rlmtree_json.loads(_rlmtree_payload); del _rlmtree_payload

def FINAL(value):
    """Finish with `value` as the answer (the official RLM's name for done)."""
    done(value)

def FINAL_VAR(name):
    """Finish with the REPL variable called `name` as the answer (FINAL_VAR("answer") or FINAL_VAR(answer))."""
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
'''

_CODE = compile(SOURCE, "<cell 0>", "exec", dont_inherit=True)


def run(ns, payload):
    """Runs the setup in the agent's namespace `ns` with `payload`, the JSON text of
    {paths, tools: [{name, stub}], sub_calls} (see agent-setup.ts).
    Raises what the setup raises (e.g. a tool stub that does not run), like the cell it was."""
    # The setup cell imported this function under that name: gone again, so the namespace holds
    # what the setup binds and nothing else.
    ns.pop("_rlmtree_agent_setup", None)
    ns["_rlmtree_payload"] = payload
    exec(_CODE, ns)
