"""pid 1 of an rlmtree docker container (one container hosts the REPLs of one runtime).

- Reaps orphans: processes whose parent died (a fork bomb's leftovers) are re-parented to
  pid 1, and unreaped zombies would keep counting against the container's pids limit.
- Signals REPLs for the host: `docker exec` does not forward signals to the process it started,
  so the host writes `INT <pid>` (interrupt a cell: KeyboardInterrupt) or `KILL <pid>` (the
  REPL's whole process group: the REPL and anything it forked) on this process's stdin.
- Ends the container when its stdin closes, i.e. when the host's `docker run -i` client goes
  away, even if the host process was killed and never cleaned up (`--rm` then removes it).

Prints one line, `rlmtree-container-ready`, once it is listening.
"""

import os
import signal
import sys


def _reap(*_):
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _signal(word, pid):
    try:
        if word == "INT":
            os.kill(pid, signal.SIGINT)
        else:
            os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    if word == "KILL":
        try:
            os.kill(pid, signal.SIGKILL)  # in case it was not a group leader
        except OSError:
            pass


def main():
    signal.signal(signal.SIGCHLD, _reap)
    sys.stdout.write("rlmtree-container-ready\n")
    sys.stdout.flush()
    for line in sys.stdin:
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("INT", "KILL") and parts[1].isdigit() and int(parts[1]) > 1:
            _signal(parts[0], int(parts[1]))


main()
