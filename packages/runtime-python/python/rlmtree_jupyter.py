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


def serve_jupyter(nonce):
    """Binds a JupyterSession to `__rlmtree__` in the running IPython kernel's user namespace."""
    from IPython import get_ipython

    shell = get_ipython()
    shell.user_ns["__rlmtree__"] = JupyterSession(shell, nonce)
