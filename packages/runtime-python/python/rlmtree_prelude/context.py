"""The cheap inspection helpers over CONTEXT: peek, tail, grep, chunk."""

import re


class ContextHelpers:
    """peek/tail/grep/chunk over the namespace's current CONTEXT (a str, or a list of documents
    joined by blank lines), so a cell that rebinds CONTEXT inspects the new value."""

    def __init__(self, ns):
        self.ns = ns

    def _text(self):
        ctx = self.ns.get("CONTEXT")
        if isinstance(ctx, list):
            return "\n\n".join(str(d) for d in ctx)
        return str(ctx)

    def peek(self, n=2000):
        """The first n characters of CONTEXT (documents joined by blank lines)."""
        return self._text()[:n]

    def tail(self, n=2000):
        """The last n characters of CONTEXT."""
        return self._text()[-n:] if n > 0 else ""

    def grep(self, pattern, max_matches=100, ignore_case=True, window=0):
        """Lines of CONTEXT matching the regex `pattern`, as (line_number, text) pairs; with
        `window` > 0, each match carries that many lines of context on both sides."""
        flags = re.IGNORECASE if ignore_case else 0
        rx = re.compile(pattern, flags)
        lines = self._text().split("\n")
        out = []
        for i, line in enumerate(lines):
            if rx.search(line):
                if window > 0:
                    out.append((i + 1, "\n".join(lines[max(0, i - window) : i + window + 1])))
                else:
                    out.append((i + 1, line))
                if len(out) >= max_matches:
                    break
        return out

    def chunk(self, size, overlap=0):
        """CONTEXT cut into pieces of `size` characters, consecutive pieces sharing `overlap`."""
        if size <= 0 or overlap < 0 or overlap >= size:
            raise ValueError("chunk(size, overlap) needs size > overlap >= 0")
        text = self._text()
        step = size - overlap
        return [text[i : i + size] for i in range(0, max(len(text) - overlap, 1), step)]


# As in agent_api.py: the qualnames records made before the split hold (`p = peek`).
for _name in ("peek", "tail", "grep", "chunk"):
    getattr(ContextHelpers, _name).__qualname__ = "Repl." + _name
