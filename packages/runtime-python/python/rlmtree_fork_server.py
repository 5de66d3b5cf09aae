"""The fork server: one python3 that has imported the prelude package listens on a Unix socket and forks
a fresh REPL per connection, each serving the protocol over its socket. Started by the subprocess
runtime (packages/runtime-python/src/fork-server.ts) as `python3 -u rlmtree_fork_server.py SOCKET [OPTIONS as JSON]`
(and by the docker runtime inside its container, docker-fork-server.ts).
Its REPLs also answer `snapshot` (rlmtree_snapshot.py): a parked copy that opens again by a fork.

No process agent code starts outlives its REPL or the host (rlmtree_reaper.py): the server and
each REPL are child subreapers, so what the code forks stays below its REPL even after `setsid()`
or a double fork, and a REPL that ends kills its descendants (but its parked snapshots, which
outlive it). What a REPL killed outright left behind is re-parented to the server; when the host
goes away (its end of the server's stdin closes, on SIGKILL too), the server kills every process
below it and exits.
"""

import _thread
import json
import os
import signal
import sys

import rlmtree_prelude
import rlmtree_prelude.raw_output  # noqa: F401 - loaded once here, shared by every forked REPL
import rlmtree_fork_hooks
import rlmtree_pools
import rlmtree_prefault
import rlmtree_reaper
import rlmtree_snapshot
import rlmtree_spares
from rlmtree_prelude import LineChannel, Repl, dispatch, hello, serve_channel

try:
    # signal's C module: its signal() without signal.signal()'s enum conversions, whose first
    # run in each forked REPL cost ~1.9 ms of CPU and ~16 page faults (per-phase rusage, load 12).
    import _signal as _raw_signal
except ImportError:  # not CPython
    _raw_signal = signal

rlmtree_prelude.internal_file(__file__)
rlmtree_prelude.internal_file(rlmtree_snapshot.__file__)

# The objects filling the server's half-used pools (rlmtree_pools.py), kept for its life.
_FILL = []


class SocketChannel(LineChannel):
    """JSON lines over a Unix socket connection (one per REPL forked by the fork server). Made in
    two halves: the agent's fds captured first (a spare does it before any host connects), the
    connection attached when it comes."""

    def __init__(self):
        self.conn = None
        self.capture_agent_fds()

    def attach(self, conn):
        self.conn = conn
        self.inp = conn.makefile("r", encoding="utf-8", newline="\n")
        self.out = conn.makefile("w", encoding="utf-8", newline="\n")
        return self


def serve_repl(repl, conn, channel=None):
    """Serves `repl` over the connection `conn` until `shutdown` or end of input: a fresh REPL,
    or one opened from a snapshot (its namespace and suspended cell as the snapshot holds them).
    `channel`: one a spare prepared before the connection came (default: a new one).
    The prelude's dispatch, plus `snapshot` and `share_context`, which only a forked REPL can answer."""
    if rlmtree_snapshot.OWN_GROUPS:
        os.setpgid(0, 0)
    # Whatever the agent's code starts stays below this REPL (setsid and double forks included)
    # and is killed when it ends; its parked snapshots are spared (they outlive it by design).
    rlmtree_reaper.become_subreaper()
    snapshots = set()
    channel = (channel or SocketChannel()).attach(conn)
    repl.channel = channel
    try:
        channel.send(hello())
        while not repl.closed:
            msg = channel.receive()
            if msg is None:
                return
            kind = msg.get("type")
            if kind in ("snapshot", "share_context"):
                if kind == "snapshot":
                    reply = rlmtree_snapshot.take_snapshot(repl, msg["path"], _spare)
                else:
                    reply = rlmtree_snapshot.share_context(repl, msg, _spare, _learn_hot_pages)
                if reply.get("type") == "snapshot_ready":
                    snapshots.add(reply["pid"])
            else:
                reply = dispatch(repl, msg)
            if reply is not None:
                channel.send(reply)
    finally:
        if snapshots or _has_children():
            rlmtree_reaper.sweep(spare=snapshots)


def _has_children():
    """Whether this process has a child (running or not yet reaped). A subreaper with none has
    no descendant at all (each would hang below a child, or be re-parented to it), so a REPL
    whose code started nothing skips the sweep's reads of /proc (~0.5-1 ms of a REPL's CPU)."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return False
    return True


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


# What a host sends a new REPL first (the engine's setup cell, then two small cells), played by
# `_rehearse` before any host connects. Kept short: every page it touches costs each spare CPU
# (the rehearsal is about 5 ms of a forked REPL's ~50 here), and agents' own cells differ anyway.
_REHEARSAL = [
    {"type": "init", "protocol": rlmtree_prelude.PROTOCOL_VERSION, "agentId": "warm", "context": "warm", "tools": [], "maxOutputChars": 1000},
    {"type": "exec", "cell": 0, "code": "from rlmtree_prelude.agent_setup import run as _rlmtree_agent_setup\n_rlmtree_agent_setup(globals(), '{\"paths\": null, \"tools\": [], \"sub_calls\": true}')\n"},
    {"type": "exec", "cell": 1, "code": "x = 1\nprint(x)"},
    {"type": "exec", "cell": 2, "code": "done(x)"},
    {"type": "shutdown"},
]


class _RehearsalChannel(LineChannel):
    """JSON lines over one end of a socket pair whose other end holds the host's messages."""

    def __init__(self, conn, raw):
        self.inp = conn.makefile("r", encoding="utf-8", newline="\n")
        self.out = conn.makefile("w", encoding="utf-8", newline="\n")
        self.raw = raw


def _rehearse(raw=None):
    """Plays a REPL's first exchange (`_REHEARSAL`: the handshake, `init`, the setup cell and
    a few cells) on a throwaway REPL over a socket pair, so the code paths, caches and memory
    pools a new REPL's first messages use are loaded (in the server: shared by every fork) and
    written (in a spare: its own copy-on-write pages, copied before any host waits; a page fault
    costs ~30 us on the machine of issue 18, and a first exchange takes hundreds). `raw`: the
    spare's fd capture, so taking its output is rehearsed too (the rehearsal writes nothing there).
    Leaves nothing behind: the throwaway REPL is collected and its cells leave linecache."""
    import gc
    import linecache
    import socket

    host, repl_end = socket.socketpair()
    saved = (sys.stdout, sys.stderr)
    try:
        host.sendall("".join(json.dumps(m) + "\n" for m in _REHEARSAL).encode())
        serve_channel(_RehearsalChannel(repl_end, raw))
    finally:
        sys.stdout, sys.stderr = saved
        host.close()
        repl_end.close()
    for m in _REHEARSAL:
        if m["type"] == "exec":
            linecache.cache.pop("<cell %d>" % m["cell"], None)
    gc.collect()


def _learn_hot_pages():
    """The pages a spare writes while it prepares and rehearses (rlmtree_prefault.learn)."""
    return rlmtree_prefault.learn(lambda: _rehearse(SocketChannel().raw))


def _start_thread(target, *args):
    """Runs `target(*args)` in a bare thread (`_thread`), not a `threading.Thread`: each forked
    REPL runs `threading`'s after-fork hook, which resets the locks of every Thread object the
    server holds and stops the others; with the server's two threads as Thread objects that cost
    each REPL ~3.5 ms of CPU in a 100-child fan-out (issue 18). Like a daemon thread, a bare one does
    not keep the interpreter alive."""
    _thread.start_new_thread(target, args)


def _report_exits(forked):
    """The server's reaper (a thread): waits for each REPL it forked to end and writes an
    `exited` line on stdout (its pid, exit code or killing signal), so the host can say that a
    REPL was killed (e.g. by the out-of-memory killer) although the REPL is not its own child.
    `forked` is set after each fork, so a reaper left with no child sleeps until the next one."""
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            forked.clear()
            # Bounded: a fork between the failed wait and clear() set `forked` before it was cleared.
            forked.wait(1.0)
            continue
        except InterruptedError:
            continue
        code = os.waitstatus_to_exitcode(status)
        killed = signal.Signals(-code).name if code < 0 else None
        try:
            sys.stdout.write(json.dumps({"type": "exited", "pid": pid, "code": None if killed else code, "signal": killed}) + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            # The host is gone (its end of the pipe closed): nobody to tell. The stdin watcher
            # sweeps what is left and exits; a traceback here would land on the user's terminal.
            return


def _wait_for_connection(server, life_r):
    """Accepts the next connection on `server` (non-blocking, shared by every spare) or exits
    once `life_r` reads EOF (the spare's parent is gone). With epoll, the listening socket is
    watched EPOLLEXCLUSIVE, so a connection wakes one waiting spare instead of all of them
    (each woken loser would run, fail its accept() and wait again); elsewhere select()."""
    import select

    if hasattr(select, "EPOLLEXCLUSIVE"):
        poller = select.epoll()
        poller.register(server.fileno(), select.EPOLLIN | select.EPOLLEXCLUSIVE)
        poller.register(life_r, select.EPOLLIN)

        def wait():
            return [fd for fd, _ in poller.poll()]

    else:
        poller = None

        def wait():
            return select.select([server.fileno(), life_r], [], [])[0]

    while True:
        if life_r in wait():
            os._exit(0)
        try:
            conn, _ = server.accept()
        except (BlockingIOError, InterruptedError):
            continue  # another spare took it
        if poller is not None:
            poller.close()
        return conn


def _default_signals():
    """A new REPL's SIGCHLD and SIGINT as in a fresh interpreter (a parked snapshot, which forks
    spares too, ignores both)."""
    _raw_signal.signal(_raw_signal.SIGCHLD, _raw_signal.SIG_DFL)
    _raw_signal.signal(_raw_signal.SIGINT, _raw_signal.default_int_handler)


def _spare(repl, server, used_w, life_r):
    """A REPL forked ahead of its host (the pre-fork pattern): it sets up everything that needs
    no connection (signals, the agent's fd capture and its drain thread, an empty REPL, and,
    unless a connection is already waiting, a rehearsal of the first exchange, `_rehearse`),
    then waits on the server's listening socket
    (`_wait_for_connection`); the spare whose accept() wins the next connection tells the server
    (a byte on `used_w`, so it forks a replacement) and serves it. A REPL start is then an
    accept and a handshake; the fork happened before the host asked. Exits when the server is
    gone (`life_r` reads EOF). `repl`: a fresh one, or a parked snapshot's (which forks its
    spares the same way, rlmtree_snapshot._park)."""
    _default_signals()
    channel = SocketChannel()
    try:
        # A host that already waits (a fan-out queues its connections while spares are forked)
        # is served at once: a rehearsal then would cost it the wait and the fan-out its CPU
        # (~7 ms a spare here; the exchange itself then pays the pages the rehearsal would have).
        conn, _ = server.accept()
    except (BlockingIOError, InterruptedError):
        conn = None
    if conn is None:
        try:
            _rehearse(channel.raw)
        except Exception:  # noqa: BLE001 - a warm-up only: the spare must still wait and serve
            pass
        conn = _wait_for_connection(server, life_r)
    os.write(used_w, b".")
    os.close(used_w)
    os.close(life_r)
    server.close()
    conn.setblocking(True)
    serve_repl(repl, conn, channel)


def serve_fork(socket_path, pre_imports=(), own_groups=False, spares=0):
    """A fork server: listens on a Unix socket and forks a fresh REPL for each connection, so a
    new REPL costs a fork of an interpreter that has already loaded the prelude (and the
    `pre_imports` modules), not a start-up. With `spares` > 0 it keeps that many REPLs forked
    ahead, each waiting for a connection (see `_spare`), and forks a replacement for each one
    taken. Exits when its stdin closes (the host went away), killing every process below it; a
    thread reaps the forked REPLs
    and reports how each ended (`_report_exits`). `own_groups`: each REPL leads its own process group (in a container, see
    rlmtree_snapshot.OWN_GROUPS)."""
    import gc
    import socket
    import threading

    failed = _pre_import(pre_imports)
    _rehearse()
    rlmtree_fork_hooks.warm_fork_hooks()  # before any thread starts: REPLs then share the hooks' code
    rlmtree_snapshot.SERVER_PID = os.getpid()
    rlmtree_snapshot.OWN_GROUPS = own_groups

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    # In a container the host connects as another user; the folder holding it is private on the host.
    os.chmod(socket_path, 0o777)
    server.listen(256)
    rlmtree_reaper.become_subreaper()

    def watch_host():
        sys.stdin.buffer.read()
        rlmtree_reaper.sweep()  # the REPLs, their snapshots, and all their code started
        os._exit(0)

    _start_thread(watch_host)
    listening = {"type": "listening", "pid": os.getpid()}
    if failed:
        listening["preImportErrors"] = failed
    rlmtree_prefault.prepare()  # before the freeze below: what it makes is shared like the rest
    # Moves every object the server holds to the permanent generation, so the children's
    # collections never write their GC headers and the pages stay shared copy-on-write
    # (https://docs.python.org/3/library/gc.html#gc.freeze); again before each fork (O(1)) for
    # what the server made since.
    gc.collect()
    global _FILL
    _FILL = rlmtree_pools.fill_pools()  # REPLs' first objects then go to fresh pools, not shared pages
    gc.freeze()
    # The pages a new REPL writes first, copied in a few calls by each (rlmtree_prefault.py);
    # learned once the server listens (and its first spares wait), off the first REPLs' path.
    hot = []
    forked = threading.Event()
    if spares > 0:
        server.setblocking(False)  # spares race for each connection; the losers go back to waiting
        used_r, used_w = os.pipe()
        life_r, life_w = os.pipe()  # never written: EOF in the spares once the server is gone

        def fork_spare():
            gc.freeze()
            if rlmtree_prefault.fork(hot) == 0:
                try:
                    os.close(used_r)
                    os.close(life_w)
                    _spare(Repl(None), server, used_w, life_r)
                finally:
                    os._exit(0)
            # Wakes the reaper, which waits for this once the server had no child at all (every
            # spare taken and closed while forks failed at the pids limit): set only at start,
            # it left the reaper asleep for good and every later REPL's exit unreported.
            forked.set()

        import select

        # A replacement whose fork fails (the pids limit reached) is owed, not fatal (rlmtree_spares.py).
        owed = rlmtree_spares.Owed(fork_spare)
        owed.add(spares)
        sys.stdout.write(json.dumps(listening) + "\n")
        sys.stdout.flush()
        _start_thread(_report_exits, forked)
        hot[:] = _learn_hot_pages()
        while True:
            if select.select([used_r], [], [], owed.timeout())[0]:
                owed.add(len(os.read(used_r, 256)))
            else:
                owed.settle()
    sys.stdout.write(json.dumps(listening) + "\n")
    sys.stdout.flush()
    _start_thread(_report_exits, forked)
    hot[:] = _learn_hot_pages()
    while True:
        conn, _ = server.accept()
        gc.freeze()
        try:
            pid = rlmtree_prefault.fork(hot)
        except OSError:
            # No process to fork now (the pids limit reached): this host's REPL does not start
            # (its connection closes before a hello), the server goes on for the next ones.
            conn.close()
            continue
        if pid == 0:
            server.close()
            _default_signals()
            try:
                serve_repl(Repl(None), conn)
            finally:
                os._exit(0)
        forked.set()
        conn.close()


if __name__ == "__main__":
    # SOCKET [OPTIONS]: OPTIONS a JSON object {preImports, spares, ownGroups}.
    _options = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    serve_fork(sys.argv[1], _options.get("preImports", ()), bool(_options.get("ownGroups")), int(_options.get("spares", 0)))
