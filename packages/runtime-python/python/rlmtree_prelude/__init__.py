"""rlmtree REPL prelude: what agent code sees, the same on every runtime.

Defines CONTEXT and the helpers (peek, tail, grep, chunk), the host calls (llm_query,
llm_query_batched, delegate, ask, registered tools), the suspension point (`results = yield
wait(*handles)`) and done(result), and speaks the rlmtree JSON protocol (docs/protocol.md).
Every host message goes through dispatch(repl, message), every host call through
AgentApi.host_call. One job per module:

    protocol.py      PROTOCOL_VERSION and the `ready` message (hello)
    dispatch.py      dispatch(repl, message): every host message, on every transport
    repl.py          Repl: one agent's namespace, bound at init, and the cell driver
    agent_setup.py   the engine's agent setup (FINAL, SHOW_VARS, tools' defs), compiled once
    agent_api.py     the host calls, wait() and done(), tools and host-call stubs
    context.py       peek, tail, grep, chunk over CONTEXT
    cells.py         compiling a cell (top-level `yield wait(...)`, the shown last value)
    capture.py       bounded head + tail of a cell's output
    raw_output.py    what agent code writes straight to fds 1 and 2
    fingerprints.py  fingerprints of the names a cell bound (cell_end.bound)
    tracebacks.py    agent tracebacks without the prelude's frames
    json_safe.py     values made JSON-safe for the host
    errors.py        the exceptions agent code may see; answers.py the values it is handed
    lines.py         the JSON-lines channel and the loop serving one REPL over it
    stdio.py         that channel over this process's stdin/stdout

`python3 -m rlmtree_prelude` (or `python3 <dir>/rlmtree_prelude`) serves a REPL over stdio. The
other transports live in files of their own beside the package and import it:
rlmtree_fork_server.py (forked REPLs over Unix sockets), rlmtree_jupyter.py (an IPython kernel;
the Jupyter runtime ships this package to the kernel as source) and the Pyodide runtime's
rlmtree_pyodide.py. Unit tests: ../tests/test_prelude.py.
"""

from . import agent_setup  # noqa: F401 - compiled at import: a forked REPL inherits the code object
from .agent_api import AgentApi
from .answers import AgentFailure, AgentHandle, SubCallError
from .dispatch import dispatch
from .errors import DelegateError, HostCallArgumentError, HostCallError, LLMError, SubCallBudgetError, SubCallSchemaError, ToolError
from .lines import LineChannel, serve_channel
from .protocol import PROTOCOL_VERSION, hello
from .repl import Repl
from .stdio import serve_stdio
from .tracebacks import internal_file

__all__ = [
    "PROTOCOL_VERSION",
    "AgentApi",
    "AgentFailure",
    "AgentHandle",
    "DelegateError",
    "HostCallArgumentError",
    "HostCallError",
    "LLMError",
    "LineChannel",
    "Repl",
    "SubCallBudgetError",
    "SubCallSchemaError",
    "SubCallError",
    "ToolError",
    "dispatch",
    "hello",
    "internal_file",
    "serve_channel",
    "serve_stdio",
]
