"""Warming the standard library's after-fork hooks in the fork server (issue 18: pre-import memory).

A module can ask CPython to run a function in every child after `os.fork()`
(`os.register_at_fork(after_in_child=...)`): `random` reseeds its global generator, `logging`
re-creates its locks. The fork server never runs these hooks itself, so every forked REPL runs
their code for the first time, and on CPython 3.11 and later a function's first runs write to its
own code object (the warm-up counter, then each instruction's specialization, PEP 659): each REPL
copies those shared pages copy-on-write. Measured here: a REPL forked from a server that imported
`logging` held ~80 KB more private memory than one from a bare server, doing nothing; ~20 KB of
every REPL's was `random`'s. Running each hook `CALLS` times in the server specializes its code
there, so the REPLs find it so and share those pages.

`threading`'s hook is the largest (it resets the locks of every Thread object and rebuilds the
module's registry of threads): run in the server while the main thread is the only Thread object
there is, it re-creates the same locks and registry the server already has, so nothing is lost,
and it took ~2.5 ms of CPU off every REPL (issue 18, measured in a 100-child fan-out). The server
starts its own threads bare (`_thread`), so they are never Thread objects.

Only what the hooks do in a child anyway is done, and only while the server has no other thread
(`logging`'s hook re-creates locks another thread could hold). Other hooks (a C library's) are
left alone.
"""

import sys
import threading

# Runs of each hook: CPython 3.11 quickens a code object after 8 runs and then specializes each
# instruction on later ones; measured here, 12 runs removed most of the copies and 20 all of them.
CALLS = 32


def _only_main_thread_object():
    """Whether the only Thread object in this process (running or not) is the main thread, and
    this runs in it: then `threading._after_fork` changes nothing but its locks' identity."""
    hook = getattr(threading, "_after_fork", None)
    dangling = getattr(threading, "_dangling", None)
    if not callable(hook) or dangling is None:
        return False
    main = threading.main_thread()
    return threading.current_thread() is main and list(dangling) == [main]


def warm_fork_hooks():
    """Runs the after-fork hooks of `random`, `threading` and `logging`, where loaded, `CALLS` times each, as a
    child does after a fork (see the module comment). Returns the names of the modules warmed;
    [] while another thread runs or where a module lacks the hook (another Python). Never raises."""
    if threading.active_count() != 1:
        return []
    warmed = []
    rnd = getattr(sys.modules.get("random"), "_inst", None)
    if rnd is not None and callable(getattr(rnd, "seed", None)):
        try:
            for _ in range(CALLS):
                rnd.seed()  # the child's hook: a fresh seed from os.urandom
            warmed.append("random")
        except Exception:  # noqa: BLE001 - a warm-up only
            pass
    if _only_main_thread_object():
        try:
            for _ in range(CALLS):
                threading._after_fork()  # the child's hook: locks and registry made again, for the one thread
            warmed.append("threading")
        except Exception:  # noqa: BLE001 - a warm-up only
            pass
    logging = sys.modules.get("logging")
    hook = getattr(logging, "_after_at_fork_child_reinit_locks", None)
    lock = getattr(logging, "_lock", None)
    if callable(hook) and lock is not None:
        try:
            for _ in range(CALLS):
                lock.acquire()  # as the parent's before-fork hook does; the hook re-creates it unlocked
                hook()
            warmed.append("logging")
        except Exception:  # noqa: BLE001 - a warm-up only
            pass
    return warmed
