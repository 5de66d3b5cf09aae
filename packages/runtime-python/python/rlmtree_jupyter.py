"""The prelude's transport inside a Jupyter (IPython) kernel: host calls ride the kernel's stdin
channel, host messages arrive as silent cells `__rlmtree__.run(<json>)` and their replies leave as
the user_expression `__rlmtree__.end()`. Loaded as source by the Jupyter runtime
(packages/runtime-jupyter/src/prelude-kernel.ts), with the rlmtree_prelude package.
"""

import json
import sys

import rlmtree_prelude
from rlmtree_prelude import Repl, dispatch, hello

rlmtree_prelude.internal_file(__file__)


class JupyterChannel:
    """Host calls over the kernel's stdin channel: each call is an `input_request` whose prompt
    is the JSON message, tagged with this REPL's nonce, and the answer is the `input_reply`'s
    value. Agent prints travel as iopub stream messages (or into the cell's capture), never on
    stdin, so they cannot pose as a call; an agent's own input() gets EOFError."""

    def __init__(self, kernel, nonce):
        self.kernel = kernel
        self.nonce = nonce

    def request(self, msg):
        msg = dict(msg, rlmtree=self.nonce)
        reply = self.kernel.raw_input(json.dumps(msg, ensure_ascii=False))
        return json.loads(reply)

    def call(self, call_id, name, args):
        return self.request({"type": "call", "id": call_id, "name": name, "args": args})


class _RawJson:
    """Shown as its JSON text: IPython's text/plain of a user_expression is the object's repr."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text

    def _repr_pretty_(self, p, cycle):
        p.text(self.text)


def _no_input(prompt=""):
    raise EOFError("input(): nobody answers stdin in an rlmtree REPL")


class JupyterSession:
    """The prelude inside an IPython kernel, bound to `__rlmtree__` in the kernel's user
    namespace. The host runs `__rlmtree__.run(<json or None>)` as a silent cell and reads the
    cell's `cell_end` from the execute_reply's user_expressions (`__rlmtree__.end()`); a None
    argument means the message is fetched over stdin (large messages, init with CONTEXT)."""

    def __init__(self, shell, nonce):
        import builtins

        self.shell = shell
        self.channel = JupyterChannel(shell.kernel, nonce)
        self.repl = Repl(self.channel)
        agent_builtins = dict(vars(builtins))
        agent_builtins["input"] = _no_input
        self.repl.ns["__builtins__"] = agent_builtins
        self.repl.show_hook = self._show
        self.last = hello()  # what the loading cell's end() reports
        publisher = shell.display_pub
        original = publisher.publish

        def publish(data, metadata=None, *args, **kwargs):
            # While a cell runs, rich output joins the cell's capture (text) and displays (images).
            if self.repl.capturing:
                self._keep(data)
                return None
            return original(data, metadata, *args, **kwargs)

        publisher.publish = publish

    def _keep(self, data):
        text = data.get("text/plain")
        images = [(mime, value) for mime, value in data.items() if mime.startswith("image/")]
        if text is not None:
            print(text)
        for mime, value in images:
            if not isinstance(value, str):
                value = json.dumps(value)
            elif mime != "image/svg+xml":
                value = "".join(value.split())  # IPython's base64 carries line breaks
            self.repl.displays.append({"mime": mime, "data": value})

    def _show(self, value):
        try:
            data, _ = self.shell.display_formatter.format(value)
        except Exception:
            data = {"text/plain": repr(value)}
        self._keep(data)

    def run(self, text):
        """Handles one host message (inline JSON, or None: fetch it over stdin); its reply is
        kept for `end()`."""
        msg = json.loads(text) if text is not None else self.channel.request({"type": "next"})
        self.last = dispatch(self.repl, msg)

    def end(self):
        """The reply to the last message (`null` when it has none), for the host's user_expression."""
        return _RawJson(json.dumps(self.last, ensure_ascii=False))


# What the host sends for every message after the loading cell (kernel-transport.ts): the code
# `__rlmtree__.run(<JSON string literal or None>)` with exactly this user_expression.
_RUN_PREFIX = "__rlmtree__.run("
_END_EXPRESSIONS = {"end": "__rlmtree__.end()"}


class ExecuteShortcut:
    """ipykernel's `execute_request` handler with the host's own messages taken out of IPython.

    The host's cell `__rlmtree__.run(<json>)` only calls `JupyterSession.run` and asks for
    `end()`; through IPython that costs an input transform (twice), a parse and compile of the
    wrapper, the display formatter over `end()`'s value, and two stdout/stderr flushes that each
    wait for the kernel's iopub thread (docs/jupyter.md, "Latency"). This
    handler calls `run` directly and sends the same execute_reply the stock path would (status,
    execution_count, the `end` user_expression's text/plain, payload), with stdin forwarded and
    IPython's pre/post_execute events fired as in a silent cell. It skips the two flushes before
    the reply: the kernel's dispatcher flushes both streams again before it publishes `idle`, and
    the host takes a cell's result only once it has both the reply and that idle, so no output
    of the cell can arrive after it. Any other request (or the same code with other options) goes
    to ipykernel's own handler, unchanged."""

    def __init__(self, session, kernel, fallback):
        self.session = session
        self.kernel = kernel
        self.fallback = fallback

    def message_text(self, content):
        """The argument of the host's `run` call (a str, or None: fetch over stdin), or
        NotImplemented when `content` is not exactly the host's request."""
        code = content.get("code")
        if not (isinstance(code, str) and code.startswith(_RUN_PREFIX) and code.endswith(")")):
            return NotImplemented
        if not content.get("silent") or content.get("user_expressions") != _END_EXPRESSIONS:
            return NotImplemented
        arg = code[len(_RUN_PREFIX) : -1]
        if arg == "None":
            return None
        try:
            text = json.loads(arg)  # the host writes a JSON string literal (a Python one too)
        except ValueError:
            return NotImplemented
        return text if isinstance(text, str) else NotImplemented

    def __call__(self, stream, ident, parent):
        content = parent.get("content") or {}
        text = self.message_text(content)
        if text is NotImplemented:
            return self.fallback(stream, ident, parent)
        kernel = self.kernel
        shell = kernel.shell
        metadata = kernel.init_metadata(parent)
        kernel._forward_input(bool(content.get("allow_stdin", False)))
        shell.events.trigger("pre_execute")
        try:
            self.session.run(text)
            end = {"status": "ok", "data": {"text/plain": json.dumps(self.session.last, ensure_ascii=False)}, "metadata": {}}
            reply = {"status": "ok", "user_expressions": {"end": end}}
        except BaseException as exc:  # noqa: B036 - as IPython reports a cell that raised (e.g. a late interrupt)
            reply = {"status": "error", "ename": type(exc).__name__, "evalue": str(exc), "traceback": [], "user_expressions": {}}
        finally:
            kernel._restore_input()
            shell.events.trigger("post_execute")
        reply["execution_count"] = shell.execution_count - 1
        # As ipykernel does: payloads agent code left (e.g. set_next_input) are sent and cleared.
        payloads = getattr(shell, "payload_manager", None)
        reply["payload"] = payloads.read_payload() if payloads is not None else []
        if payloads is not None:
            payloads.clear_payload()
        metadata = kernel.finish_metadata(parent, metadata, reply)
        kernel.session.send(stream, "execute_reply", reply, parent, metadata=metadata, ident=ident)


def _install_shortcut(session, kernel):
    """Puts ExecuteShortcut in front of the kernel's execute_request handler when the kernel is an
    ipykernel with the hooks it uses; otherwise every message keeps going through IPython (slower,
    same results)."""
    handlers = getattr(kernel, "shell_handlers", None)
    if not isinstance(handlers, dict) or not callable(handlers.get("execute_request")):
        return False
    needed = ("init_metadata", "finish_metadata", "_forward_input", "_restore_input", "session")
    if not all(hasattr(kernel, name) for name in needed):
        return False
    current = handlers["execute_request"]
    if isinstance(current, ExecuteShortcut):  # the prelude loaded again in this kernel
        current = current.fallback
    handlers["execute_request"] = ExecuteShortcut(session, kernel, current)
    return True


def serve_jupyter(nonce):
    """Binds a JupyterSession to `__rlmtree__` in the running IPython kernel's user namespace
    and installs the execute_request shortcut (ExecuteShortcut)."""
    from IPython import get_ipython

    shell = get_ipython()
    session = JupyterSession(shell, nonce)
    shell.user_ns["__rlmtree__"] = session
    _install_shortcut(session, getattr(shell, "kernel", None))
