"""The fork server: one python3 that has imported the prelude listens on a Unix socket and forks
a fresh REPL per connection, each serving the protocol over its socket. Started by the subprocess
runtime (packages/runtime-python/src/fork-server.ts) as `python3 -u rlmtree_fork_server.py SOCKET [PRE_IMPORTS as a JSON list]`.
"""

import json
import os
import sys

import rlmtree_prelude
from rlmtree_prelude import _LineChannel, serve_channel

rlmtree_prelude.internal_file(__file__)


class SocketChannel(_LineChannel):
    """JSON lines over a Unix socket connection (one per REPL forked by the fork server)."""

    def __init__(self, conn):
        self.conn = conn
        self.inp = conn.makefile("r", encoding="utf-8", newline="\n")
        self.out = conn.makefile("w", encoding="utf-8", newline="\n")
        self.capture_agent_fds()


def _pre_import(modules):
    """Imports `modules` in the fork server, so every forked REPL finds them loaded (shared
    copy-on-write pages, no import time per REPL). Returns [{module, error}] for the ones that
    failed: the server goes on without them and the host reports them once."""
    import importlib

    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except BaseException as exc:  # a module may raise anything, SystemExit included
            failed.append({"module": name, "error": f"{type(exc).__name__}: {exc}"})
    return failed


def serve_fork(socket_path, pre_imports=()):
    """A fork server: listens on a Unix socket and forks a fresh REPL for each connection, so a
    new REPL costs a fork of an interpreter that has already loaded the prelude (and the
    `pre_imports` modules), not a start-up. Exits when its stdin closes (the host went away);
    forked REPLs are reaped automatically."""
    import gc
    import signal
    import socket
    import threading

    failed = _pre_import(pre_imports)

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(256)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)

    def watch_host():
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=watch_host, daemon=True).start()
    listening = {"type": "listening", "pid": os.getpid()}
    if failed:
        listening["preImportErrors"] = failed
    sys.stdout.write(json.dumps(listening) + "\n")
    sys.stdout.flush()
    while True:
        conn, _ = server.accept()
        # Moves every object the server holds to the permanent generation, so the child's
        # collections never write their GC headers and the pages stay shared copy-on-write
        # (https://docs.python.org/3/library/gc.html#gc.freeze).
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            server.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                serve_channel(SocketChannel(conn))
            finally:
                os._exit(0)
        conn.close()


if __name__ == "__main__":
    serve_fork(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else ())
