"""Forks a fork server or a parked snapshot owes: a spare was taken and its replacement has not
been forked yet because fork() failed.

fork() fails with EAGAIN when the processes of a container (its pids limit) or of a user
(RLIMIT_NPROC) run out, e.g. while an agent's fork bomb fills them, and with ENOMEM. Raised in
the loop that forks replacements, that error ended the fork server (the REPLs it had forked
lost their `exited` reports, zombies stayed unreaped, new REPLs fell back to `docker exec`) or
a parked snapshot (lost for good). So a failed fork is owed instead and tried again after a
wait that doubles from `RETRY_S[0]` to `RETRY_S[1]`; a connection that comes meanwhile waits in
the listening socket's backlog until a fork succeeds.
"""

# Seconds before the first retry of a failed fork, and the most between two retries.
RETRY_S = (0.05, 1.0)


class Owed:
    """Replacements still to fork. `fork_one()` forks one (returning in the parent; the child
    never returns from it) and raises OSError when fork() fails."""

    def __init__(self, fork_one):
        self.fork_one = fork_one
        self.count = 0
        self.failures = 0  # settle() calls in a row that ended on a failed fork

    def add(self, n):
        """Owes `n` more and forks what it can now."""
        self.count += n
        self.settle()

    def settle(self):
        """Forks what is owed until done or a fork fails (then the next wait doubles)."""
        while self.count:
            try:
                self.fork_one()
            except OSError:
                self.failures += 1
                return
            self.count -= 1
        self.failures = 0

    def timeout(self, longest=None):
        """How long (s) the caller's select() may sleep: until the next retry while forks are
        owed, else `longest` (None: until something comes)."""
        if not self.count:
            return longest
        wait = min(RETRY_S[0] * 2 ** min(self.failures - 1, 16), RETRY_S[1])
        return wait if longest is None else min(wait, longest)
