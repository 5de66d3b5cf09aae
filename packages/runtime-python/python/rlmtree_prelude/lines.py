"""The JSON-lines transport (stdio, fork server sockets, Pyodide's bridge): a channel over a pair
of text files and the loop that serves one REPL over it."""

import io
import json
import os
import sys

from .dispatch import dispatch
from .protocol import hello
from .repl import Repl


class LineChannel:
    """JSON lines over a pair of text files: a subclass sets `inp` and `out`."""

    raw = None  # a RawOutput when the agent's fds 1 and 2 are captured in-process

    def send(self, msg):
        self.out.write(json.dumps(msg, ensure_ascii=False) + "\n")
        self.out.flush()

    def receive(self):
        """The next host message, or None at the end of input."""
        while True:
            line = self.inp.readline()
            if not line:
                return None
            if line.strip():  # blank lines carry no message
                return json.loads(line)

    def capture_agent_fds(self):
        """Points the agent's fd 0 at /dev/null and fds 1 and 2 at an in-process capture pipe
        (`RawOutput`), and rebinds sys.stdin/stdout/stderr to them, so nothing the agent reads or
        writes touches the channel. Call it once the channel holds its own copies of the fds."""
        from .raw_output import RawOutput  # threads and select: only where fds are the REPL's own

        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        self.raw = RawOutput(20000)
        sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), encoding="utf-8", line_buffering=True)
        sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", closefd=False), encoding="utf-8", line_buffering=True)
        sys.stdin = io.TextIOWrapper(os.fdopen(0, "rb", closefd=False), encoding="utf-8")

    def call(self, call_id, name, args):
        """Sends a host call and returns its answer; host messages in between are dropped (a
        host sends nothing else while a call is open). Exits the REPL at the end of input."""
        self.send({"type": "call", "id": call_id, "name": name, "args": args})
        while True:
            msg = self.receive()
            if msg is None:
                raise SystemExit(0)
            if msg.get("type") == "answer" and msg.get("id") == call_id:
                return msg


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
