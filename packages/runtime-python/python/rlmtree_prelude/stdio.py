"""The stdio transport: JSON lines over the process's own stdin and stdout (the subprocess
runtime without its fork server, and every Docker REPL)."""

import os

from .lines import LineChannel, serve_channel


class StdioChannel(LineChannel):
    """JSON lines over this process's original stdin/stdout. The agent's fds 1 and 2 are pointed
    at an in-process capture pipe (`RawOutput`, bounded like stdout, its true length counted) and
    fd 0 at /dev/null first, so nothing the agent prints, writes with os.write or lets a child
    process write touches the channel or floods the host."""

    def __init__(self):
        self.out = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
        self.inp = os.fdopen(os.dup(0), "r", encoding="utf-8", newline="\n")
        self.capture_agent_fds()


def serve_stdio():
    """The main loop of a subprocess or container REPL."""
    serve_channel(StdioChannel())
