"""A cell's printed output, kept bounded: head and tail with the true length counted."""

import collections
import io


class Capture(io.TextIOBase):
    """Keeps the first and last `limit // 2` characters written and counts them all, so a
    cell that floods stdout costs bounded memory."""

    def __init__(self, limit):
        self.limit = max(2, int(limit))
        self.head_limit = self.limit // 2
        self.head = []
        self.head_len = 0
        self.tail = collections.deque()
        self.tail_len = 0
        self.total = 0

    def writable(self):
        return True

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        n = len(s)
        self.total += n
        room = self.head_limit - self.head_len
        if room > 0:
            part = s[:room]
            self.head.append(part)
            self.head_len += len(part)
            s = s[room:]
        if s:
            self.tail.append(s)
            self.tail_len += len(s)
            keep = self.limit - self.head_limit
            while self.tail_len - len(self.tail[0]) >= keep:
                self.tail_len -= len(self.tail.popleft())
        return n

    def absorb(self, other):
        """Adds what another Capture kept (its head and tail) and counts its true total."""
        self.write("".join(other.head))
        self.total += other.total - other.head_len - other.tail_len
        self.write("".join(other.tail))

    def flush(self):
        pass

    def isatty(self):
        return False

    def render(self):
        head = "".join(self.head)
        tail = "".join(self.tail)
        keep = self.limit - self.head_limit
        if self.total <= self.limit:
            return head + tail
        tail = tail[-keep:]
        omitted = self.total - len(head) - len(tail)
        return "%s\n... [%d characters omitted; the output was %d characters in all] ...\n%s" % (
            head,
            omitted,
            self.total,
            tail,
        )
