"""Keeps every process agent code starts under a process that runs no agent code, so each is
killed when its REPL ends, whatever the code did: `setsid()` (which leaves the process group),
a double fork (which re-parents the grandchild), or the host being killed with SIGKILL.

Linux: a process marked a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`, through ctypes)
becomes the parent of every orphaned process below it instead of pid 1, so its descendants stay
findable in /proc; `prctl(PR_SET_PDEATHSIG)` signals it when its parent (the host, or the fork
server) dies, even by SIGKILL. Elsewhere these are no-ops and the process group is all there is.

- `python3 rlmtree_reaper.py`: a guarded REPL over this process's stdio, the subprocess runtime
  without the fork server. This process is the guard: a subreaper that forks the REPL, passes
  SIGINT on to it (a cell timeout), and when the REPL exits, when it gets SIGTERM (the host's
  kill) or when the host dies, kills every descendant and exits with the REPL's status.
- `sweep(pid)`: kills every descendant of `pid` (stopped first, so none can fork meanwhile).
- The fork server (rlmtree_fork_server.py) marks itself and each REPL it serves as subreapers.
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
_libc = None


def _prctl(option, arg):
    """prctl(2) through ctypes; False where there is none (not Linux) or it fails."""
    global _libc
    if not sys.platform.startswith("linux"):
        return False
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        return _libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper():
    """Orphans below this process are re-parented to it instead of pid 1. False where unsupported."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


def on_parent_death(sig, parent):
    """Asks the kernel to send `sig` to this process when its parent dies; if the parent (pid
    `parent`) is already gone, sends it now (the host may die before this runs)."""
    ok = _prctl(PR_SET_PDEATHSIG, int(sig))
    if ok and os.getppid() != parent:
        os.kill(os.getpid(), sig)
    return ok


def _parents():
    """{pid: parent pid} of every process in /proc (one pass; the fallback of `children`)."""
    parents = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1:
            parents[int(name)] = int(fields[1])
    return parents


# /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN, on in the common distribution kernels)
# lists a thread's children in one small read; without it, children are found by scanning /proc.
_CHILDREN_FILES = os.path.exists("/proc/self/task/%d/children" % os.getpid())


def children(pid):
    """Pids of the direct children of `pid` now (from /proc; [] where there is none)."""
    if not _CHILDREN_FILES:
        if not os.path.isdir("/proc"):
            return []
        return [child for child, parent in _parents().items() if parent == pid]
    found = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return found  # gone
    for tid in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                found.extend(int(x) for x in f.read().split())
        except OSError:
            pass  # the thread ended meanwhile
    return found


def descendants(pid, skip=()):
    """Pids of every process below `pid` now, parents before their children, leaving out the
    pids in `skip` and everything below them. A subreaper's descendants all hang below its
    children, so one with none costs one small read."""
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            if child not in skip:
                found.append(child)
                todo.append(child)
    return found


def _signal(pid, sig):
    try:
        os.kill(pid, sig)
    except OSError:
        pass


def sweep(pid=None, spare=(), itself=False):
    """Kills every descendant of `pid` (default: this process) but the pids in `spare` and what
    is below them, and with
    `itself` also `pid`: stops them pass after pass until a pass finds no new one (a stopped
    process cannot fork), then SIGKILLs them all and reaps the ones that are this process's
    children. Returns how many it killed."""
    pid = os.getpid() if pid is None else pid
    stopped = set()
    if itself:
        _signal(pid, signal.SIGSTOP)
        stopped.add(pid)
    for _ in range(64):  # bounded: each pass stops every process found, so new ones run out
        new = [p for p in descendants(pid, spare) if p not in stopped]
        if not new:
            break
        for p in new:
            _signal(p, signal.SIGSTOP)
        stopped.update(new)
    for p in stopped:
        _signal(p, signal.SIGKILL)
    for p in stopped:
        try:
            os.waitpid(p, 0)
        except OSError:
            pass  # not this process's child (its own parent reaps it), or reaped already
    return len(stopped)


def exit_like(code):
    """Ends this process as `code` (a `waitstatus_to_exitcode` value) says: with the same exit
    code, or killed by the same signal, so the host reads the REPL's own end."""
    if code < 0:
        try:
            signal.signal(-code, signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # SIGKILL and SIGSTOP have no handler to reset
        os.kill(os.getpid(), -code)
        code = 128 - code
    os._exit(code)


def _guard(host):
    """The guard of one REPL over this process's stdio (see the module comment)."""
    become_subreaper()
    guard = os.getpid()
    repl = os.fork()
    if repl == 0:
        # The REPL: it dies with its guard, and imports the prelude only here (the guard stays small).
        on_parent_death(signal.SIGKILL, guard)
        sys.path[0] = os.path.dirname(os.path.abspath(__file__))
        import rlmtree_prelude

        try:
            rlmtree_prelude.serve_stdio()
        finally:
            os._exit(0)

    def stop(*_):
        # The host's kill (or the host died): everything below goes, then the guard as if killed.
        sweep()
        exit_like(-signal.SIGKILL)

    # The guard reads nothing and writes nothing: the REPL owns stdin/stdout/stderr.
    signal.signal(signal.SIGINT, lambda *_: _signal(repl, signal.SIGINT))
    signal.signal(signal.SIGTERM, stop)
    on_parent_death(signal.SIGTERM, host)
    code = 1
    while True:
        try:
            pid, status = os.waitpid(-1, 0)  # the REPL, or an orphan re-parented here
        except ChildProcessError:
            break
        if pid == repl:
            code = os.waitstatus_to_exitcode(status)
            break
    sweep()
    exit_like(code)


if __name__ == "__main__":
    _guard(int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid())
