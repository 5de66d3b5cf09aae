"""The prelude's transport inside Pyodide: JSON lines through the worker's host bridge.

The worker registers `_rlmtree_host` (send a line to the host; receive the next line, blocking
on a shared-memory wait). An interrupt the host writes into Pyodide's interrupt buffer raises
KeyboardInterrupt in running code (Pyodide checks it) and here, while a host call waits for
its answer, like SIGINT does in a process.
"""

import sys
import time

import _rlmtree_host
import rlmtree_prelude

rlmtree_prelude.internal_file(__file__)


def _sleep(seconds):
    """time.sleep that the host's interrupt ends at once: Pyodide's own sleep only notices an
    interrupt after it returns, which under load can outlast the grace period before a kill."""
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        if _rlmtree_host.pause(left):
            raise KeyboardInterrupt


time.sleep = _sleep


class _ToHost:
    def write(self, text):
        _rlmtree_host.send(text)
        return len(text)

    def flush(self):
        pass


class _FromHost:
    def readline(self):
        while True:
            line = _rlmtree_host.receive()
            if line is not None:
                return line  # "" is the end of input: the host closed the REPL
            # Woken with no line: the host may want this cell interrupted (a timeout, an abort,
            # a host call it cannot answer) while it waits for an answer.
            if _rlmtree_host.interrupted():
                raise KeyboardInterrupt


class PyodideChannel(rlmtree_prelude.LineChannel):
    """The prelude's line channel over the worker's bridge (never over the agent's stdout)."""

    def __init__(self):
        self.out = _ToHost()
        self.inp = _FromHost()


def seal():
    """Forgets the JavaScript modules agent code could reach the worker through: the Pyodide
    API (`pyodide_js`: file system mounts, package downloads) and the host bridge (this module
    keeps its own reference). The worker unregisters them too, so importing them fails."""
    for name in [n for n in sys.modules if n.split(".")[0] in ("pyodide_js", "_rlmtree_host")]:
        del sys.modules[name]
    for module in list(sys.modules.values()):
        names = getattr(module, "__dict__", {})
        if "pyodide_js" in names and getattr(module, "__name__", "") != __name__:
            del names["pyodide_js"]


def serve():
    """Serves one REPL until `shutdown` or end of input."""
    rlmtree_prelude.serve_channel(PyodideChannel())
