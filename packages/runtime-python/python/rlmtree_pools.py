"""Filling the fork server's half-used memory pools before it forks (issue 18: pre-import memory).

CPython hands out small objects (512 bytes and less) from 4 KB pools, one size class per pool. After
the server's imports, many pools are partly used: the holes left by objects freed during the
imports. A forked REPL's first allocations land in those holes, and writing a hole writes its page,
which copy-on-write then copies into the REPL: measured here, a REPL forked from a server that
pre-imported ten heavy stdlib packages wrote ~0.5 MB more of private pages than one forked from a
bare server, even for `x = 1`. Filling the holes in the server (objects kept for its life and
frozen with the rest) sends the REPLs' allocations to fresh pools instead, which are theirs anyway.
The holes are counted from CPython's own allocator statistics (`sys._debugmallocstats`: "avail
blocks" per size class), so the fill is what the holes hold and no more.
"""

import os
import re
import sys
import tempfile

# A bytes object of length k takes k + 33 bytes (its header and the trailing NUL): one of the
# size class of `size` bytes is bytes(size - 33). Classes under 48 bytes hold no bytes object.
_BYTES_OVERHEAD = 33

_ROW = re.compile(r"^\s*\d+\s+(\d+)\s+\d+\s+\d+\s+(\d+)\s*$", re.M)


def _stats():
    """The text of sys._debugmallocstats() (which writes to the C stderr), or "" without it."""
    debug = getattr(sys, "_debugmallocstats", None)
    if debug is None:
        return ""
    with tempfile.TemporaryFile() as f:
        saved = os.dup(2)
        try:
            os.dup2(f.fileno(), 2)
            debug()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        f.seek(0)
        return f.read().decode("ascii", "replace")


def fill_pools():
    """Fills the free blocks of the partly used pools of each size class (see the module comment);
    returns the objects that fill them, for the caller to keep alive. Never raises: without the
    statistics (another Python implementation) it fills nothing."""
    fill = []
    # Twice: reading the statistics makes (and frees) a few objects of its own, leaving holes.
    for _ in range(2):
        try:
            rows = [(int(size), int(avail)) for size, avail in _ROW.findall(_stats())]
        except (OSError, ValueError):
            return fill
        for size, avail in rows:
            if avail > 0 and size - _BYTES_OVERHEAD > 0:
                fill.extend(map(bytes, [size - _BYTES_OVERHEAD] * avail))
        del rows
    return fill
