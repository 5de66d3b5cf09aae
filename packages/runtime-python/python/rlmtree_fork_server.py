"""The fork server: one python3 that has imported the prelude listens on a Unix socket and forks
a fresh REPL per connection, each serving the protocol over its socket. Started by the subprocess
runtime (packages/runtime-python/src/fork-server.ts) as `python3 -u rlmtree_fork_server.py SOCKET [PRE_IMPORTS as a JSON list] [own-groups]`
(the docker runtime, docker-fork-server.ts, inside its container with `own-groups`).
Its REPLs also answer `snapshot` (rlmtree_snapshot.py): a parked copy that opens again by a fork.
"""

import json
import os
import sys

import rlmtree_prelude
import rlmtree_snapshot
from rlmtree_prelude import Repl, _LineChannel, dispatch, hello

rlmtree_prelude.internal_file(__file__)
rlmtree_prelude.internal_file(rlmtree_snapshot.__file__)


class SocketChannel(_LineChannel):
    """JSON lines over a Unix socket connection (one per REPL forked by the fork server)."""

    def __init__(self, conn):
        self.conn = conn
        self.inp = conn.makefile("r", encoding="utf-8", newline="\n")
        self.out = conn.makefile("w", encoding="utf-8", newline="\n")
        self.capture_agent_fds()


def serve_repl(repl, conn):
    """Serves `repl` over the connection `conn` until `shutdown` or end of input: a fresh REPL,
    or one opened from a snapshot (its namespace and suspended cell as the snapshot holds them).
    The prelude's dispatch, plus `snapshot`, which only a forked REPL can answer."""
    if rlmtree_snapshot.OWN_GROUPS:
        os.setpgid(0, 0)
    channel = SocketChannel(conn)
    repl.channel = channel
    channel.send(hello())
    while not repl.closed:
        msg = channel.receive()
        if msg is None:
            return
        if msg.get("type") == "snapshot":
            reply = rlmtree_snapshot.take_snapshot(repl, msg["path"], serve_repl)
        else:
            reply = dispatch(repl, msg)
        if reply is not None:
            channel.send(reply)


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


def _warm():
    """Does once in the server what every forked REPL would otherwise do for itself after the
    fork: imports the prelude reaches lazily and a first compile and run of a cell through the
    cell driver (the AST transforms, `compile`, the capture, the fingerprints), so the child's
    first cells find those code paths, caches and modules loaded in pages it shares."""
    import select  # noqa: F401 - the raw-output drain thread's
    import threading  # noqa: F401

    class _Quiet:
        def send(self, msg):
            pass

    repl = Repl(_Quiet())
    repl.init({"context": "warm", "tools": [], "maxOutputChars": 1000, "agentId": "warm"})
    saved = (sys.stdout, sys.stderr)
    try:
        repl.run_cell(0, "import json as _j\nx = [i for i in range(10)]\nprint(len(x))\ndef f(a=1):\n    return a\n")
    finally:
        sys.stdout, sys.stderr = saved


def serve_fork(socket_path, pre_imports=(), own_groups=False):
    """A fork server: listens on a Unix socket and forks a fresh REPL for each connection, so a
    new REPL costs a fork of an interpreter that has already loaded the prelude (and the
    `pre_imports` modules), not a start-up. Exits when its stdin closes (the host went away);
    forked REPLs are reaped automatically. `own_groups`: each REPL leads its own process group
    (in a container, see rlmtree_snapshot.OWN_GROUPS)."""
    import gc
    import signal
    import socket
    import threading

    failed = _pre_import(pre_imports)
    _warm()
    rlmtree_snapshot.SERVER_PID = os.getpid()
    rlmtree_snapshot.OWN_GROUPS = own_groups

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    # In a container the host connects as another user; the folder holding it is private on the host.
    os.chmod(socket_path, 0o777)
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
    # Moves every object the server holds to the permanent generation, so the children's
    # collections never write their GC headers and the pages stay shared copy-on-write
    # (https://docs.python.org/3/library/gc.html#gc.freeze). Once: the server makes few objects
    # between forks, and a freeze per fork would grow nothing but the permanent generation.
    gc.collect()
    gc.freeze()
    while True:
        conn, _ = server.accept()
        gc.freeze()  # O(1): what the server made since (the accepted socket) stays shared too
        pid = os.fork()
        if pid == 0:
            server.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                serve_repl(Repl(None), conn)
            finally:
                os._exit(0)
        conn.close()


if __name__ == "__main__":
    serve_fork(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else (), len(sys.argv) > 3 and sys.argv[3] == "own-groups")
