"""Live snapshots of a forked REPL (issue 18): `os.fork()` copies the whole REPL (variables,
imports, a cell suspended at `yield wait(...)`) copy-on-write, so forking or rewinding an agent
costs a process fork instead of re-running its cells.

A snapshot is a parked copy of the REPL listening on its own Unix socket. Each connection to it
forks the parked copy again and serves the protocol over that connection, starting from the
snapshot's state, so one snapshot can be opened any number of times. The parked copy runs no
code of its own: it only accepts, forks and watches that the fork server is still there.
Used by the fork server (rlmtree_fork_server.py); the host side is packages/runtime-python/src/snapshot.ts.
"""

import gc
import os
import select
import signal
import socket

# The fork server's pid, set by the server before it forks (inherited by every REPL and
# snapshot): a parked snapshot exits once the server is gone, so a host that died without
# closing its runtime leaves no parked copies behind.
SERVER_PID = None

# Set by the fork server in a container: every REPL (and parked snapshot) leads its own process
# group, so the container's pid 1 can kill a REPL with everything its code forked (a fork bomb)
# without touching the others. On the host they stay in the server's group, which the runtime's
# close kills as a whole.
OWN_GROUPS = False

# How often (s) a parked snapshot checks that the fork server is alive; it sleeps in select()
# otherwise, so an idle snapshot costs no CPU to speak of.
_WATCH_S = 5.0


def _alive(pid):
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def take_snapshot(repl, path, spare, spares=1, learn=None):
    """Forks `repl` into a parked snapshot listening on the Unix socket `path`; returns the reply
    to send (`snapshot_ready` with the snapshot's pid, or `snapshot_failed`). `spare(repl,
    server, used_w, life_r)` is the fork server's spare (`_spare`): a copy forked ahead that
    waits for the next connection and serves it (an opened copy). The snapshot is the REPL's
    child where the REPL is a subreaper (`_is_subreaper`), else double-forked so it is nobody's
    zombie when the host kills it; it keeps the REPL's process group (the runtime's close kills
    it with the rest). `spares`: copies it keeps
    forked ahead (one for a snapshot; a context server, opened many times in a row, keeps more).
    `learn`: the fork server's `_learn_hot_pages`, for a snapshot whose copies are many (see `_park`)."""
    try:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        os.chmod(path, 0o777)  # as the fork server's socket (a private host folder)
        server.listen(64)
    except OSError as exc:
        return {"type": "snapshot_failed", "message": "cannot listen on %s: %s" % (path, exc)}
    if _is_subreaper():
        # Forked once: its pid is known at once, and the host's reply need not wait for a second
        # fork (on a loaded 2-core machine here, 20-130 ms of a context server's making).
        try:
            pid = os.fork()
        except OSError as exc:
            server.close()
            return {"type": "snapshot_failed", "message": "fork failed: %s" % (exc,)}
        if pid == 0:
            try:
                _park(repl, server, spare, spares, learn)
            finally:
                os._exit(0)
        server.close()
        return {"type": "snapshot_ready", "pid": pid}
    rfd, wfd = os.pipe()
    try:
        first = os.fork()
    except OSError as exc:
        server.close()
        os.close(rfd)
        os.close(wfd)
        return {"type": "snapshot_failed", "message": "fork failed: %s" % (exc,)}
    if first == 0:
        try:
            os.close(rfd)
            if os.fork() == 0:
                os.write(wfd, str(os.getpid()).encode())
                os.close(wfd)
                _park(repl, server, spare, spares, learn)
        finally:
            os._exit(0)
    server.close()
    os.close(wfd)
    os.waitpid(first, 0)
    with os.fdopen(rfd, "rb") as f:
        text = f.read().decode()
    if not text:
        return {"type": "snapshot_failed", "message": "the snapshot process did not start"}
    return {"type": "snapshot_ready", "pid": int(text)}


def _is_subreaper():
    """True where this REPL is a child subreaper (Linux; the fork server's `serve_repl` made every
    REPL one already, and asking again changes nothing). A parked copy forked straight from it is then its child, as a double-forked one
    would be once re-parented to it: the same tree, one fork less."""
    try:
        import rlmtree_reaper
    except ImportError:
        return False
    return bool(rlmtree_reaper.become_subreaper())


# REPLs a context server keeps forked ahead: children over one context are opened in bursts (a
# fan-out), and with one spare each open waits for the next fork (measured here: ~130 ms per
# open back to back under load, against ~15 ms with spares ready). As the fork server's default.
CONTEXT_SERVER_SPARES = 4


def share_context(repl, msg, spare, learn=None):
    """Makes a context server for `msg["contextFile"]`: reads the file once in this REPL (not
    yet bound to an agent: `share_context` comes before `init`), then parks a copy of it at
    `msg["path"]` as `take_snapshot` does. Every REPL opened there binds the same decoded `str`
    and shares its pages copy-on-write, instead of decoding its own copy; this REPL binds it too
    at its `init`. The reply is `snapshot_ready` or `snapshot_failed` (the file could not be
    read as described, e.g. it was changed: the `init` that follows fails with the same error).
    `learn`: as `take_snapshot`'s (a context server's copies are many)."""
    try:
        from rlmtree_prelude.context_file import ContextFileError, share
    except ImportError as exc:  # an older prelude (e.g. baked into a Docker image)
        return {"type": "snapshot_failed", "message": "this prelude cannot share contexts: %s" % (exc,)}
    try:
        share(msg["contextFile"])
    except ContextFileError as exc:
        return {"type": "snapshot_failed", "message": str(exc)}
    return take_snapshot(repl, msg["path"], spare, CONTEXT_SERVER_SPARES, learn)


def _park(repl, server, spare, spares=1, learn=None):
    """The snapshot's life: let go of everything the original REPL talks through, then keep
    up to `spares` copies forked ahead waiting for a connection (opening the snapshot is then an accept and a
    handshake) and fork a replacement each time one is taken. With `learn` (returning page
    ranges, rlmtree_prefault.learn), the pages a copy writes first are learned once, after the
    first copy is forked, and every later copy takes them in a few calls instead of a page fault
    each (rlmtree_prefault.fork), as the fork server's own spares do: the snapshot's pages are not
    the server's, so they are learned here. Never returns."""
    if OWN_GROUPS:
        os.setpgid(0, 0)  # a kill of the original REPL's group must not end its snapshot
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt meant for a cell is not for us
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # opened copies are reaped at once
    channel = repl.channel
    # The host's connection to the original REPL must close when that REPL exits: drop our copy.
    for f in (getattr(channel, "inp", None), getattr(channel, "out", None), getattr(channel, "conn", None)):
        try:
            if f is not None:
                f.close()
        except OSError:
            pass
    # Fds 1 and 2 point at the original REPL's capture pipe; an opened copy makes its own.
    raw = getattr(channel, "raw", None)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    if raw is not None:
        try:
            os.close(raw.rfd)
        except OSError:
            pass
    repl.channel = None
    # Opened copies then share the snapshot's pages instead of touching their GC headers.
    gc.freeze()
    server.setblocking(False)
    used_r, used_w = os.pipe()
    life_r, life_w = os.pipe()  # never written: EOF in the waiting copy once this one is gone

    # Imported here, not at the top: in a container the fork server's modules are loaded from
    # text one by one (docker-fork-server.ts), and they are all there once a snapshot parks.
    import rlmtree_prefault
    import rlmtree_spares

    hot = []

    def fork_spare():
        if rlmtree_prefault.fork(hot) == 0:
            try:
                os.close(used_r)
                os.close(life_w)
                spare(repl, server, used_w, life_r)
            finally:
                os._exit(0)

    # One copy at first, one more with each copy taken until there are `spares`: the forks (and
    # their warm-up) do not compete with the REPL that made the snapshot, which goes on meanwhile.
    # A copy whose fork fails (the pids limit reached) is owed, not fatal (rlmtree_spares.py).
    owed = rlmtree_spares.Owed(fork_spare)
    owed.add(1)
    if learn is not None:
        try:
            hot[:] = learn()
        except Exception:  # noqa: BLE001 - a speed-up only: copies then fault page by page
            pass
    more = spares - 1
    while True:
        ready, _, _ = select.select([used_r], [], [], owed.timeout(_WATCH_S))
        if not ready:
            if not _alive(SERVER_PID):
                os._exit(0)
            owed.settle()
            continue
        taken = len(os.read(used_r, 256))
        extra = min(more, taken)
        more -= extra
        owed.add(taken + extra)
