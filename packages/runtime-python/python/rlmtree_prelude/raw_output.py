"""What agent code writes straight to file descriptors 1 and 2 (os.write, C extensions, child
processes), captured in-process and bounded like printed output."""

import _thread
import os
import select

from .capture import Capture


class RawOutput:
    """Captures what is written straight to file descriptors 1 and 2 in a REPL whose fds are
    its own (stdio, fork server): both point at a pipe that a thread drains into a bounded
    head + tail buffer, taken into the cell's output when the cell ends."""

    def __init__(self, limit):
        self.lock = _thread.allocate_lock()
        self.cap = Capture(limit)
        self.rfd, wfd = os.pipe()
        os.dup2(wfd, 1)
        os.dup2(wfd, 2)
        os.close(wfd)
        os.set_blocking(self.rfd, False)
        # A bare thread: threading.Thread's bookkeeping (its Event, Condition and registry) cost a
        # forked REPL about 60 more page faults, each ~30 us on the machine of issue 18. Like a
        # daemon thread it does not keep the interpreter alive.
        _thread.start_new_thread(self._drain, ())

    def _read_available(self):
        """Reads what the pipe holds; False once every writer closed it (EOF).
        Non-blocking: the drain thread and take() both read, only under the lock."""
        while True:
            try:
                data = os.read(self.rfd, 65536)
            except BlockingIOError:
                return True
            if not data:
                return False
            self.cap.write(data.decode("utf-8", "replace"))

    def _drain(self):
        # Sleeps in select() until output arrives (no timeout: an idle REPL costs no wake-ups;
        # a 100 ms poll made 100 idle REPLs burn 7-9% of a core, issue 18). Stops at EOF (code
        # closed fds 1 and 2), where select() would return at once forever.
        while True:
            select.select([self.rfd], [], [])
            with self.lock:
                if not self._read_available():
                    return

    def take(self):
        """What was written since the last take (a bounded `Capture` with the true total), or None."""
        with self.lock:
            self._read_available()
            if self.cap.total == 0:
                return None
            taken = self.cap
            self.cap = Capture(taken.limit)
            return taken
