"""One agent's REPL: its namespace, bound to the agent API at `init`, and the cell driver that
runs a cell until it ends or suspends and reports how it ended (`cell_end`)."""

import random
import sys

from .agent_api import AGENT_CLASSES, AgentApi, Wait
from .answers import AgentFailure
from .capture import Capture
from .cells import SHOW, compile_cell
from .context import ContextHelpers
from .context_file import load_context
from .fingerprints import BoundNames
from .tracebacks import format_error


class Repl:
    """One agent's REPL over `channel` (see AgentApi; a channel with a `raw` RawOutput also has
    what the agent wrote to fds 1 and 2 joined to each cell's output)."""

    def __init__(self, channel):
        self.ns = {"__name__": "__main__", "__builtins__": __builtins__}
        self.api = AgentApi(channel)
        self.host_call = self.api.host_call
        self.helpers = ContextHelpers(self.ns)
        self.names = BoundNames(self.ns)
        self.agent_id = ""
        self.pending = None  # (coroutine, cell index) of a suspended cell
        self.closed = False  # set by dispatch() on shutdown or a fatal error
        self.max_output = 10000
        self.capturing = False
        self._saved = (sys.stdout, sys.stderr)
        # Rich outputs (images) of the current segment, kept out of the text output; a runtime
        # that can show rich values (Jupyter) fills it through `show_hook`.
        self.displays = []
        self.show_hook = None

    @property
    def channel(self):
        """The channel host calls go through. It may be set after the REPL is made: a REPL forked
        ahead of its host gets its connection when one comes, a parked snapshot drops it."""
        return self.api.channel

    @channel.setter
    def channel(self, channel):
        self.api.channel = channel

    # -- set-up

    def init(self, msg):
        """Binds CONTEXT, the helpers, the host calls, the agent classes, the registered tools
        and the host-call modules' stubs of an `init` message in the namespace."""
        self.max_output = int(msg.get("maxOutputChars", 10000))
        self.agent_id = str(msg.get("agentId", ""))
        ns = self.ns
        ref = msg.get("contextFile")
        ns["CONTEXT"] = msg["context"] if ref is None else self._context_file(ref)
        ns["_rlmtree_context_file"] = self._context_file
        for name in ("peek", "tail", "grep", "chunk"):
            ns[name] = getattr(self.helpers, name)
        for name in AgentApi.FUNCTIONS:
            ns[name] = getattr(self.api, name)
        ns.update(AGENT_CLASSES)
        ns[SHOW] = self._show
        for tool in msg.get("tools", []):
            ns[tool["name"]] = self.api.make_tool(tool["name"], tool.get("description", ""))
        for source in msg.get("stubs") or []:
            ns.update(self.api.load_stub(source, __builtins__))

    def _context_file(self, ref):
        """The context in the file `ref` names (an `init.contextFile`); bound as
        `_rlmtree_context_file` for a session's later turns, whose binding code names their
        context's file instead of carrying its text (core/src/session/bind.ts)."""
        value = load_context({"contextFile": ref})
        # A context file's str comes with its fingerprint's hash, made once on the host.
        known = ref.get("fingerprint")
        if known and isinstance(value, str):
            self.names.seed(value, known)
        return value

    def _show(self, value):
        if value is not None:
            if self.show_hook is not None:
                self.show_hook(value)
            else:
                print(repr(value))

    # -- the cell driver

    def run_cell(self, index, code):
        """Runs a cell until it ends or suspends; returns the `cell_end` message. `random` is
        seeded from the agent and cell first, so a rebuilt REPL draws the same numbers."""
        if self.pending is not None:
            self.pending[0].close()
            self.pending = None
        random.seed("rlmtree:%s:%d" % (self.agent_id, index))
        cap = self._begin()
        try:
            code_obj = compile_cell(code, index, self.api.sync_names)
        except SyntaxError as exc:
            return self._end(cap, index, "error", error=format_error(exc))
        try:
            coro = eval(code_obj, self.ns)
        except BaseException as exc:  # noqa: B036 - every way a cell can end is reported
            return self._finish(cap, index, exc)
        if coro is None:
            return self._finish(cap, index, None)
        return self._drive(cap, index, coro, None)

    def wake(self, index, results):
        """Wakes the suspended cell with the children's results."""
        if self.pending is None or self.pending[1] != index:
            raise RuntimeError("wake: cell %d is not suspended" % index)
        coro = self.pending[0]
        self.pending = None
        values = [r["value"] if r.get("ok") else AgentFailure(r["error"]["kind"], r["error"]["message"]) for r in results]
        return self._drive(self._begin(), index, coro, values)

    def restore_streams(self):
        """Puts back sys.stdout/stderr if a segment was cut short while capturing (an interrupt)."""
        if self.capturing:
            sys.stdout, sys.stderr = self._saved
            self.capturing = False

    def _drive(self, cap, index, coro, value):
        try:
            yielded = coro.send(value)
        except StopIteration:
            return self._finish(cap, index, None)
        except BaseException as exc:  # noqa: B036
            return self._finish(cap, index, exc)
        if isinstance(yielded, Wait):
            self.pending = (coro, index)
            return self._end(cap, index, "suspended", awaiting=yielded.handles)
        coro.close()
        exc = RuntimeError("a cell can only suspend with `results = yield wait(...)`, got %r" % (yielded,))
        return self._finish(cap, index, exc)

    def _begin(self):
        cap = Capture(self.max_output)
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout = sys.stderr = cap
        self.capturing = True
        self.api.begin_segment()
        self.displays = []
        self.names.start()
        return cap

    def _finish(self, cap, index, exc):
        if self.api.done_called:
            return self._end(cap, index, "done", result=self.api.done_value)
        if exc is None:
            if self.api.dangling_waits():
                exc = RuntimeError("wait() was called without `yield`: write `results = yield wait(...)`")
                return self._end(cap, index, "error", error=format_error(exc))
            return self._end(cap, index, "ok")
        if isinstance(exc, KeyboardInterrupt):
            return self._end(cap, index, "timeout")
        return self._end(cap, index, "error", error=format_error(exc))

    def _end(self, cap, index, status, **extra):
        self.restore_streams()
        raw = self.channel.raw.take() if getattr(self.channel, "raw", None) else None
        if raw is not None:
            # Head and tail of what went straight to fds 1 and 2, counted at its true length.
            cap.absorb(raw)
        msg = {"type": "cell_end", "cell": index, "status": status, "output": cap.render(), "outputChars": cap.total}
        msg.update(extra)
        bound = self.names.bound()
        if bound:
            msg["bound"] = bound
        if self.displays:
            msg["displays"] = self.displays
            self.displays = []
        return msg
