"""rlmtree REPL prelude: what agent code sees, the same on every runtime.

Defines CONTEXT and the helpers (peek, tail, grep, chunk), the host calls (llm_query,
llm_query_batched, delegate, registered tools), the suspension point (`results = yield
wait(*handles)`) and done(result). Speaks the rlmtree JSON protocol (docs/protocol.md) through a
Channel; `python3 rlmtree_prelude.py` serves it as JSON lines over the process's own stdin and
stdout, after moving the agent's stdout away from them so printed text can never pose as a
protocol message. Every host message goes through dispatch(repl, message), every host call
through Repl.host_call. The other transports live in their own files and import this one:
rlmtree_jupyter.py (an IPython kernel), rlmtree_fork_server.py (forked REPLs over Unix sockets),
and the Pyodide runtime's rlmtree_pyodide.py. Unit tests: tests/test_prelude.py.

Cells run as module-level code in one persistent namespace. A cell may suspend with
`yield wait(...)`: the prelude rewrites that top-level `yield` into `await` and compiles the cell
with PyCF_ALLOW_TOP_LEVEL_AWAIT (the mechanism IPython uses for top-level await), so a
suspended cell is a real coroutine frame parked in this process, woken with the children's
results.
"""

import ast
import collections
import hashlib
import io
import json
import linecache
import os
import random
import re
import reprlib
import sys
import traceback
import types

PROTOCOL_VERSION = 2  # packages/core/src/runtime/protocol.ts; host and prelude refuse a difference
# Files whose frames are the prelude's own, left out of agent tracebacks; transports in their own
# files (rlmtree_jupyter.py, rlmtree_fork_server.py) add theirs with internal_file(__file__).
_PRELUDE_FILES = {os.path.abspath(__file__) if "__file__" in globals() else "<rlmtree prelude>"}


def internal_file(path):
    """Marks `path` as a prelude file: its frames are left out of agent tracebacks."""
    _PRELUDE_FILES.add(os.path.abspath(path))


# ---------------------------------------------------------------- errors agent code may see


class HostCallError(Exception):
    """A host call failed; the base of LLMError, DelegateError and ToolError."""


class LLMError(HostCallError):
    """A sub-call (llm_query) failed after the host's retries."""


class DelegateError(HostCallError):
    """delegate() was refused: depth limit reached, or a bad argument."""


class ToolError(HostCallError):
    """A registered host tool raised or rejected its arguments."""


class SubCallBudgetError(LLMError):
    """A sub-call budget (number of sub-calls, sub-call tokens, characters of one prompt, or the
    run's token limit) refused a sub-call before it was sent; the message names the budget and
    what is left. From llm_query_batched, `.results` holds every prompt's answer in order: the
    replies of the prompts that were sent, a SubCallError for each refused (or failed) one."""

    results = None


class HostCallArgumentError(TypeError):
    """The host rejected a host call's arguments; the message names the call and the field.
    Raised as a subclass of both this and the call's own error class (e.g. DelegateError)."""


# The Python exception a failed answer raises, by the answer's `kind`; a kind not listed (or
# none) raises the call's own error class. A later kind (e.g. "budget") adds a line here.
_ERROR_KINDS = {"invalid_args": HostCallArgumentError, "budget": SubCallBudgetError}
_ERROR_CLASSES = {}


def _error_class(kind, error):
    """The exception class for a failed answer of `kind` from a call whose own class is `error`."""
    base = _ERROR_KINDS.get(kind)
    if base is None or issubclass(error, base):
        return error
    key = (base, error)
    if key not in _ERROR_CLASSES:
        _ERROR_CLASSES[key] = type(base.__name__, (base, error), {"__module__": base.__module__})
    return _ERROR_CLASSES[key]


def _sub_call_args(args, max_tokens, temperature):
    """A sub-call's arguments with its per-call parameters, left out when None (the host validates them)."""
    if max_tokens is not None:
        args["max_tokens"] = max_tokens
    if temperature is not None:
        args["temperature"] = temperature
    return args


class SubCallError(str):
    """Stands in a llm_query_batched result list for one prompt that failed.

    It is a str (so joins and formatting keep working) whose text says what failed;
    `.error` holds the message. Test with isinstance(r, SubCallError).
    """

    def __new__(cls, error):
        obj = super().__new__(cls, "[llm_query failed: %s]" % error)
        obj.error = error
        return obj


class AgentFailure:
    """A child agent that ended without a result: `.kind` (e.g. 'iteration_limit',
    'cancelled') and `.message`. It is falsy, so `[r for r in results if r]` keeps the answers."""

    def __init__(self, kind, message):
        self.kind = kind
        self.message = message

    def __bool__(self):
        return False

    def __repr__(self):
        return "AgentFailure(kind=%r, message=%r)" % (self.kind, self.message)

    __str__ = __repr__


class _DoneSignal(BaseException):
    """Raised by done(); a BaseException so `except Exception` does not swallow it."""


# ---------------------------------------------------------------- output capture


class _Capture(io.TextIOBase):
    """Keeps the first and last `limit // 2` characters written and counts them all, so a
    cell that floods stdout costs bounded memory."""

    def __init__(self, limit):
        self.limit = max(2, int(limit))
        self.head_limit = self.limit // 2
        self.head = []
        self.head_len = 0
        self.tail = collections.deque()
        self.tail_len = 0
        self.total = 0

    def writable(self):
        return True

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        n = len(s)
        self.total += n
        room = self.head_limit - self.head_len
        if room > 0:
            part = s[:room]
            self.head.append(part)
            self.head_len += len(part)
            s = s[room:]
        if s:
            self.tail.append(s)
            self.tail_len += len(s)
            keep = self.limit - self.head_limit
            while self.tail_len - len(self.tail[0]) >= keep:
                self.tail_len -= len(self.tail.popleft())
        return n

    def flush(self):
        pass

    def isatty(self):
        return False

    def render(self):
        head = "".join(self.head)
        tail = "".join(self.tail)
        keep = self.limit - self.head_limit
        if self.total <= self.limit:
            return head + tail
        tail = tail[-keep:]
        omitted = self.total - len(head) - len(tail)
        return "%s\n... [%d characters omitted; the output was %d characters in all] ...\n%s" % (
            head,
            omitted,
            self.total,
            tail,
        )


# ---------------------------------------------------------------- cell compilation


class _TopLevelYieldToAwait(ast.NodeTransformer):
    """Rewrites `yield X` at a cell's top level into `await X`; leaves function bodies alone."""

    def visit_FunctionDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def visit_Yield(self, node):
        self.generic_visit(node)
        value = node.value if node.value is not None else ast.Constant(value=None)
        return ast.copy_location(ast.Await(value=value), node)


class _AwaitHostCalls(ast.NodeTransformer):
    """Rewrites `await f(...)` into `f(...)` for the host-call functions named in `names` (tools,
    llm_query, llm_query_batched): they answer synchronously, so both call forms give the value."""

    def __init__(self, names):
        self.names = names

    def visit_Await(self, node):
        self.generic_visit(node)
        call = node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in self.names:
            return call
        return node


def _compile_cell(code, index, sync_names=()):
    filename = "<cell %d>" % index
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    tree = ast.parse(code, filename=filename, mode="exec")
    # The rewrite walks the whole tree, so it runs only when the cell can hold a `yield`.
    rewritten = "yield" in code
    if rewritten:
        tree = _TopLevelYieldToAwait().visit(tree)
    if sync_names and "await" in code:
        tree = _AwaitHostCalls(frozenset(sync_names)).visit(tree)
        rewritten = True
    # Show the value of a last bare expression, as a notebook does.
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not isinstance(tree.body[-1].value, ast.Await):
        last = tree.body[-1]
        func = ast.copy_location(ast.Name(id="__rlm_show__", ctx=ast.Load()), last)
        call = ast.copy_location(ast.Call(func=func, args=[last.value], keywords=[]), last)
        tree.body[-1] = ast.copy_location(ast.Expr(value=call), last)
    if rewritten:
        ast.fix_missing_locations(tree)
    return compile(tree, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)


def _format_error(exc):
    """The exception and the traceback of the agent's own frames (cells and libraries), without
    the prelude's frames."""
    te = traceback.TracebackException.from_exception(exc)
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if os.path.abspath(f.filename) not in _PRELUDE_FILES])
    lines = list(te.format())
    # Imported (by the fork server, Jupyter), the prelude's classes would print as
    # "rlmtree_prelude.ToolError"; agent code knows them by their bare names.
    prefix = __name__ + "."
    if __name__ != "__main__":
        lines = [line[len(prefix):] if line.startswith(prefix) else line for line in lines]
    if len(lines) == 1:
        text = lines[0]
    else:
        text = "".join(lines)
    return {"type": type(exc).__name__, "message": str(exc), "traceback": text.rstrip("\n")}


def _to_json(value):
    """A JSON-safe copy of `value`: tuples become lists, sets sorted lists, other objects str()."""

    def default(o):
        if isinstance(o, (set, frozenset)):
            try:
                return sorted(o)
            except TypeError:
                return list(o)
        if isinstance(o, AgentFailure):
            return {"error": {"kind": o.kind, "message": o.message}}
        if hasattr(o, "item"):  # numpy scalars
            try:
                return o.item()
            except Exception:
                pass
        return str(o)

    return json.loads(json.dumps(value, default=default, ensure_ascii=False))


# ---------------------------------------------------------------- the REPL


# ---------------------------------------------------------------- fingerprints of bound names

# A bounded repr: big containers and strings are cut, so a fingerprint costs little whatever the
# value's size (a change past the bound is not seen; docs/integrity.md). Memory addresses
# ("at 0x7f…") differ between processes and are dropped.
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 160
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = _REPR.maxdeque = _REPR.maxarray = 32
_REPR.maxlevel = 4
_REPR.maxlong = 200
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_IMMUTABLE = (str, bytes, int, float, complex, bool, type(None))


def _fingerprint(value):
    """{type, hash, repr} of a value: sha256 of its type and bounded repr (of the whole text for
    str and bytes), the same in any process for equal values."""
    t = type(value)
    tname = t.__qualname__ if t.__module__ == "builtins" else "%s.%s" % (t.__module__, t.__qualname__)
    if isinstance(value, types.ModuleType):
        shown = "<module %s>" % value.__name__
    elif isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)):
        shown = "<%s %s>" % (tname, getattr(value, "__qualname__", getattr(value, "__name__", "?")))
    else:
        try:
            shown = _ADDRESS.sub("", _REPR.repr(value))
        except Exception:  # noqa: BLE001 - a broken __repr__ must not break the cell
            shown = "<%s, repr failed>" % tname
    h = hashlib.sha256()
    h.update(tname.encode("utf-8", "surrogatepass") + b"\0")
    if isinstance(value, str):
        h.update(value.encode("utf-8", "surrogatepass"))
    elif isinstance(value, bytes):
        h.update(value)
    else:
        h.update(shown.encode("utf-8", "surrogatepass"))
    return {"type": tname, "hash": h.hexdigest(), "repr": shown[:80]}


class AgentHandle:
    """What delegate() returns: the child's id. Pass handles to wait()."""

    def __init__(self, agent_id, name):
        self.id = agent_id
        self.name = name

    def __repr__(self):
        return "AgentHandle(%r)" % self.id


# The classes agent code (and host-call stubs) see by name.
_AGENT_CLASSES = (
    "HostCallError",
    "HostCallArgumentError",
    "LLMError",
    "DelegateError",
    "ToolError",
    "SubCallError",
    "SubCallBudgetError",
    "AgentFailure",
    "AgentHandle",
)


class _Wait:
    """The awaitable `wait(...)` returns; `yield`ing it suspends the cell."""

    def __init__(self, handles):
        self.handles = handles
        self.consumed = False

    def __await__(self):
        self.consumed = True
        results = yield self
        return results


class Repl:
    """One agent's REPL: a namespace, the cell driver and the host calls."""

    def __init__(self, channel):
        self.channel = channel
        self.ns = {"__name__": "__main__", "__builtins__": __builtins__}
        # Host-call functions whose `await f(...)` form is rewritten to the plain call.
        self.sync_names = {"llm_query", "llm_query_batched"}
        self.pending = None  # (coroutine, cell index) of a suspended cell
        self.closed = False  # set by dispatch() on shutdown or a fatal error
        self.waits = []
        self.done_called = False
        self.done_value = None
        self.next_call = 0
        self.max_output = 10000
        self.handles = {}
        self.capturing = False
        # Rich outputs (images) of the current segment, kept out of the text output; a runtime
        # that can show rich values (Jupyter) fills it through `show_hook`.
        self.displays = []
        self.show_hook = None

    # -- set-up

    def init(self, msg):
        self.max_output = int(msg.get("maxOutputChars", 10000))
        self.agent_id = str(msg.get("agentId", ""))
        ns = self.ns
        ns["CONTEXT"] = msg["context"]
        for name in (
            "peek",
            "tail",
            "grep",
            "chunk",
            "llm_query",
            "llm_query_batched",
            "delegate",
            "ask",
            "wait",
            "done",
        ):
            ns[name] = getattr(self, name)
        for name in _AGENT_CLASSES:
            ns[name] = globals()[name]
        ns["__rlm_show__"] = self._show
        for tool in msg.get("tools", []):
            ns[tool["name"]] = self._make_tool(tool["name"], tool.get("description", ""))
            self.sync_names.add(tool["name"])
        for source in msg.get("stubs") or []:
            self._load_stub(source)

    def _load_stub(self, source):
        """Runs a host-call module's Python stub (HostCallModule.python) with `host_call` and the
        exception classes bound, and binds the public names it defines in the agent's namespace."""
        scope = {"__builtins__": __builtins__, "host_call": self.host_call}
        for name in _AGENT_CLASSES:
            scope[name] = globals()[name]
        before = set(scope)
        exec(compile(source, "<rlmtree stub>", "exec"), scope)
        for name in set(scope) - before:
            if not name.startswith("_"):
                self.ns[name] = scope[name]

    def _make_tool(self, name, description):
        def tool(*args, **kwargs):
            try:
                return self.host_call("tool", {"tool": name, "args": list(args), "kwargs": kwargs}, ToolError)
            except ToolError as exc:
                # Typed tools' messages already start "name(...)"; others get the name in front.
                if not str(exc).startswith(name + "("):
                    exc.args = ("%s: %s" % (name, exc),)
                raise

        tool.__name__ = name
        tool.__doc__ = description
        return tool

    def _show(self, value):
        if value is not None:
            if self.show_hook is not None:
                self.show_hook(value)
            else:
                print(repr(value))

    # -- helpers over CONTEXT

    def _text(self):
        ctx = self.ns.get("CONTEXT")
        if isinstance(ctx, list):
            return "\n\n".join(str(d) for d in ctx)
        return str(ctx)

    def peek(self, n=2000):
        """The first n characters of CONTEXT (documents joined by blank lines)."""
        return self._text()[:n]

    def tail(self, n=2000):
        """The last n characters of CONTEXT."""
        return self._text()[-n:] if n > 0 else ""

    def grep(self, pattern, max_matches=100, ignore_case=True, window=0):
        """Lines of CONTEXT matching the regex `pattern`, as (line_number, text) pairs; with
        `window` > 0, each match carries that many lines of context on both sides."""
        flags = re.IGNORECASE if ignore_case else 0
        rx = re.compile(pattern, flags)
        lines = self._text().split("\n")
        out = []
        for i, line in enumerate(lines):
            if rx.search(line):
                if window > 0:
                    out.append((i + 1, "\n".join(lines[max(0, i - window) : i + window + 1])))
                else:
                    out.append((i + 1, line))
                if len(out) >= max_matches:
                    break
        return out

    def chunk(self, size, overlap=0):
        """CONTEXT cut into pieces of `size` characters, consecutive pieces sharing `overlap`."""
        if size <= 0 or overlap < 0 or overlap >= size:
            raise ValueError("chunk(size, overlap) needs size > overlap >= 0")
        text = self._text()
        step = size - overlap
        return [text[i : i + size] for i in range(0, max(len(text) - overlap, 1), step)]

    # -- host calls

    def host_call(self, name, args, error=HostCallError):
        """The one way agent code reaches the host: sends `call` with `args` made JSON-safe and
        returns the answer's value, or raises `error` (or the class the answer's `kind` names)."""
        self.next_call += 1
        answer = self.channel.call(self.next_call, name, _to_json(args))
        if answer.get("ok"):
            return answer.get("value")
        raise _error_class(answer.get("kind"), error)(answer.get("error", "%s failed" % name))

    def llm_query(self, prompt, model=None, max_tokens=None, temperature=None):
        """Asks the sub-model one question (a sub-call); returns its reply text. `max_tokens` caps the
        reply, `temperature` sets its sampling (the provider's defaults when None). Raises LLMError on
        failure, SubCallBudgetError when a sub-call budget refuses it before it is sent."""
        return self.host_call("llm_query", _sub_call_args({"prompt": str(prompt), "model": model}, max_tokens, temperature), LLMError)

    def llm_query_batched(self, prompts, model=None, max_tokens=None, temperature=None):
        """Asks the sub-model many questions concurrently (sub-calls); returns the replies in order. A failed
        prompt gives a SubCallError (a str) in its place; the others still answer. When a budget refuses
        some prompts (the first ones that fit are sent), SubCallBudgetError is raised after the rest
        answered, with every answer in order on its `.results`."""
        args = _sub_call_args({"prompts": [str(p) for p in prompts], "model": model}, max_tokens, temperature)
        answers = self.host_call("llm_query_batched", args, LLMError)
        results = [r["value"] if r.get("ok") else SubCallError(r.get("error", "failed")) for r in answers]
        refused = [r for r in answers if not r.get("ok") and r.get("kind") == "budget"]
        if refused:
            err = SubCallBudgetError("%d of %d prompts refused: %s" % (len(refused), len(answers), refused[0].get("error", "")))
            err.results = results
            raise err
        return results

    def delegate(self, name, query, context=None, instructions=None):
        """Starts a child agent with its own REPL. `context` (a str or list of str) becomes the
        child's CONTEXT; None gives it this agent's CONTEXT. `instructions` (a str) is a note added
        to the child's system prompt. Returns an AgentHandle for wait() and ask()."""
        if isinstance(context, tuple):
            context = list(context)
        args = {"name": str(name), "query": str(query), "context": context}
        if instructions is not None:
            args["instructions"] = str(instructions)
        child = self.host_call("delegate", args, DelegateError)
        handle = AgentHandle(child, str(name))
        self.handles[handle.id] = handle
        return handle

    def ask(self, handle, query, context=None):
        """Gives the child `handle` another task; it keeps its REPL (variables) and conversation.
        The task starts once the child has finished its earlier tasks, in order. `context` becomes
        the child's CONTEXT for the task (None keeps its input). Returns a handle for wait()."""
        if not isinstance(handle, AgentHandle) or handle.id not in self.handles:
            raise DelegateError("ask() takes a handle returned by delegate() or ask(), got %r" % (handle,))
        if isinstance(context, tuple):
            context = list(context)
        task = self.host_call("ask", {"handle": handle.id, "query": str(query), "context": context}, DelegateError)
        asked = AgentHandle(task, handle.name)
        self.handles[asked.id] = asked
        return asked

    def wait(self, *handles):
        """Use as `results = yield wait(h1, h2)` (or `yield wait(list_of_handles)`): suspends this
        cell until those children finish; results come back in handle order, an AgentFailure for a
        child that ended without a result."""
        if len(handles) == 1 and isinstance(handles[0], (list, tuple)):
            handles = tuple(handles[0])
        for h in handles:
            if not isinstance(h, AgentHandle) or h.id not in self.handles:
                raise DelegateError("wait() takes handles returned by delegate(), got %r" % (h,))
        w = _Wait([h.id for h in handles])
        self.waits.append(w)
        return w

    def done(self, result):
        """Finishes this agent with `result` (made JSON-safe). Ends the cell at once."""
        self.done_called = True
        self.done_value = _to_json(result)
        raise _DoneSignal()

    # -- the cell driver

    def run_cell(self, index, code):
        """Runs a cell until it ends or suspends; returns the `cell_end` message. `random` is
        seeded from the agent and cell first, so a rebuilt REPL draws the same numbers."""
        if self.pending is not None:
            self.pending[0].close()
            self.pending = None
        random.seed("rlmtree:%s:%d" % (getattr(self, "agent_id", ""), index))
        cap = self._begin()
        try:
            code_obj = _compile_cell(code, index, self.sync_names)
        except SyntaxError as exc:
            return self._end(cap, index, "error", error=_format_error(exc))
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

    def _drive(self, cap, index, coro, value):
        try:
            yielded = coro.send(value)
        except StopIteration:
            return self._finish(cap, index, None)
        except BaseException as exc:  # noqa: B036
            return self._finish(cap, index, exc)
        if isinstance(yielded, _Wait):
            self.pending = (coro, index)
            return self._end(cap, index, "suspended", awaiting=yielded.handles)
        coro.close()
        exc = RuntimeError("a cell can only suspend with `results = yield wait(...)`, got %r" % (yielded,))
        return self._finish(cap, index, exc)

    def _begin(self):
        cap = _Capture(self.max_output)
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout = sys.stderr = cap
        self.capturing = True
        self.done_called = False
        self.waits = []
        self.displays = []
        self._fp_start = self._fingerprints()
        return cap

    def _finish(self, cap, index, exc):
        if self.done_called:
            return self._end(cap, index, "done", result=self.done_value)
        if exc is None:
            dangling = [w for w in self.waits if not w.consumed]
            if dangling:
                exc = RuntimeError("wait() was called without `yield`: write `results = yield wait(...)`")
                return self._end(cap, index, "error", error=_format_error(exc))
            return self._end(cap, index, "ok")
        if isinstance(exc, KeyboardInterrupt):
            return self._end(cap, index, "timeout")
        return self._end(cap, index, "error", error=_format_error(exc))

    def _fingerprints(self):
        """Fingerprints of the namespace's public names, reusing the last one of an unchanged
        immutable value (a big CONTEXT is hashed once, not at every cell)."""
        cache = getattr(self, "_fp_cache", {})
        out, keep = {}, {}
        for name, value in list(self.ns.items()):
            if name.startswith("_"):
                continue
            key = (name, id(value))
            hit = cache.get(key)
            if hit is not None and hit[0] is value:
                fp = hit[1]
            else:
                fp = _fingerprint(value)
            if isinstance(value, _IMMUTABLE):
                keep[key] = (value, fp)
            out[name] = fp
        self._fp_cache = keep
        return out

    def _bound(self):
        """The names this segment bound or changed, with their fingerprints (`cell_end.bound`)."""
        before = getattr(self, "_fp_start", {})
        now = self._fingerprints()
        return [dict(name=n, **fp) for n, fp in now.items() if before.get(n) != fp]

    def _end(self, cap, index, status, **extra):
        sys.stdout, sys.stderr = self._saved
        self.capturing = False
        raw = self.channel.raw.take() if getattr(self.channel, "raw", None) else None
        if raw is not None:
            # Head and tail of what went straight to fds 1 and 2, counted at its true length.
            cap.write("".join(raw.head))
            cap.total += raw.total - raw.head_len - raw.tail_len
            cap.write("".join(raw.tail))
        msg = {"type": "cell_end", "cell": index, "status": status, "output": cap.render(), "outputChars": cap.total}
        msg.update(extra)
        bound = self._bound()
        if bound:
            msg["bound"] = bound
        if self.displays:
            msg["displays"] = self.displays
            self.displays = []
        return msg


# ---------------------------------------------------------------- transport: JSON lines


class _LineChannel:
    """JSON lines over a pair of text files (`inp`, `out`)."""

    raw = None  # a _RawOutput when the agent's fds 1 and 2 are captured in-process

    def send(self, msg):
        self.out.write(json.dumps(msg, ensure_ascii=False) + "\n")
        self.out.flush()

    def receive(self):
        while True:
            line = self.inp.readline()
            if not line:
                return None
            if line.strip():  # blank lines carry no message
                return json.loads(line)

    def capture_agent_fds(self):
        """Points the agent's fd 0 at /dev/null and fds 1 and 2 at an in-process capture pipe
        (`_RawOutput`), and rebinds sys.stdin/stdout/stderr to them, so nothing the agent reads or
        writes touches the channel."""
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        self.raw = _RawOutput(20000)
        sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), encoding="utf-8", line_buffering=True)
        sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), encoding="utf-8", line_buffering=True)
        sys.stdin = io.TextIOWrapper(os.fdopen(0, "rb", closefd=False), encoding="utf-8")

    def call(self, call_id, name, args):
        self.send({"type": "call", "id": call_id, "name": name, "args": args})
        while True:
            msg = self.receive()
            if msg is None:
                raise SystemExit(0)
            if msg.get("type") == "answer" and msg.get("id") == call_id:
                return msg


class StdioChannel(_LineChannel):
    """JSON lines over this process's original stdin/stdout. The agent's fds 1 and 2 are pointed
    at an in-process capture pipe (`_RawOutput`, bounded like stdout, its true length counted) and
    fd 0 at /dev/null first, so nothing the agent prints, writes with os.write or lets a child
    process write touches the channel or floods the host."""

    def __init__(self):
        self.out = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
        self.inp = os.fdopen(os.dup(0), "r", encoding="utf-8", newline="\n")
        self.capture_agent_fds()


def serve_stdio():
    """The main loop of a subprocess or container REPL."""
    serve_channel(StdioChannel())


def hello():
    """The `ready` message every transport sends first. `pid` lets a host that cannot signal
    this process directly (docker exec) interrupt it."""
    return {"type": "ready", "protocol": PROTOCOL_VERSION, "python": sys.version.split()[0], "pid": os.getpid()}


def dispatch(repl, msg):
    """Handles one host message; returns the reply to send (a `cell_end` or `fatal`) or None.
    The same on every transport. Sets `repl.closed` on `shutdown` and on a fatal error."""
    kind = msg.get("type")
    try:
        if kind == "init":
            if msg.get("protocol") != PROTOCOL_VERSION:
                repl.closed = True
                return {"type": "fatal", "message": "protocol %r not supported (the prelude speaks %d)" % (msg.get("protocol"), PROTOCOL_VERSION)}
            repl.init(msg)
            return None
        if kind == "exec":
            return repl.run_cell(msg["cell"], msg["code"])
        if kind == "wake":
            return repl.wake(msg["cell"], msg["results"])
        if kind == "shutdown":
            repl.closed = True
            return None
        if kind == "answer":
            return None  # a stray answer (to a call interrupted by a timeout)
        repl.closed = True
        return {"type": "fatal", "message": "unexpected message %r" % (kind,)}
    except KeyboardInterrupt:
        if repl.capturing:
            sys.stdout, sys.stderr = repl._saved
            repl.capturing = False
        if kind in ("exec", "wake"):
            return {"type": "cell_end", "cell": msg.get("cell", 0), "status": "timeout", "output": "", "outputChars": 0}
        return None
    except Exception as exc:  # a prelude bug: say so and stop rather than hang the host
        repl.closed = True
        return {"type": "fatal", "message": "%s: %s" % (type(exc).__name__, exc)}


def serve_channel(channel):
    """Serves one REPL over a line channel until `shutdown` or end of input."""
    repl = Repl(channel)
    channel.send(hello())
    while not repl.closed:
        msg = channel.receive()
        if msg is None:
            return
        reply = dispatch(repl, msg)
        if reply is not None:
            channel.send(reply)


# ---------------------------------------------------------------- raw fd output


class _RawOutput:
    """Captures what is written straight to file descriptors 1 and 2 (os.write, C extensions,
    child processes) in a forked REPL: both point at a pipe that a thread drains into a bounded
    head + tail buffer, taken into the cell's output when the cell ends."""

    def __init__(self, limit):
        import threading

        self.lock = threading.Lock()
        self.cap = _Capture(limit)
        self.rfd, wfd = os.pipe()
        os.dup2(wfd, 1)
        os.dup2(wfd, 2)
        os.close(wfd)
        os.set_blocking(self.rfd, False)
        threading.Thread(target=self._drain, daemon=True).start()

    def _read_available(self):
        """Reads what the pipe holds; False once every writer closed it (EOF).
        Non-blocking: the drain thread and take() both read, only under the lock."""
        while True:
            try:
                data = os.read(self.rfd, 65536)
            except BlockingIOError:
                return True
            if not data:
                return False
            self.cap.write(data.decode("utf-8", "replace"))

    def _drain(self):
        # Sleeps in select() until output arrives (no timeout: an idle REPL costs no wake-ups;
        # a 100 ms poll made 100 idle REPLs burn 7-9% of a core, issue 18). Stops at EOF (code
        # closed fds 1 and 2), where select() would return at once forever.
        import select

        while True:
            select.select([self.rfd], [], [])
            with self.lock:
                if not self._read_available():
                    return

    def take(self):
        """What was written since the last take (a bounded `_Capture` with the true total), or None."""
        with self.lock:
            self._read_available()
            if self.cap.total == 0:
                return None
            taken = self.cap
            self.cap = _Capture(taken.limit)
            return taken


if __name__ == "__main__":
    serve_stdio()
