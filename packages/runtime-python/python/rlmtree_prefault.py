"""Copying a forked REPL's hot pages in a few system calls instead of a page fault each.

A REPL forked by the fork server writes to a few hundred pages it shares copy-on-write with
the server (reference counts and memory pools of the objects its first messages touch), and
each write faults on its own. Where faults are dear (a VM with shadow page tables: ~30 us each
on the machine of issue 18, against ~10 us a page in one madvise(MADV_POPULATE_WRITE) call),
that was a quarter of a forked REPL's CPU. So the server learns once which of its pages a REPL
writes (`learn`: a probe child does what a spare does, then reads from /proc/self/pagemap the
pages it holds alone) and each new spare copies those ranges first thing (`populate`).

The server forks its REPLs with `fork`: os.fork(), then `populate` in the child. (Copying the
pages between libc's fork() and CPython's PyOS_AfterFork_Child, through ctypes, spared the
~100 pages threading's at-fork hook writes their faults, 52 -> 42 ms of CPU a REPL, but it
deadlocks: a child that runs bytecode before PyOS_AfterFork_Child recreates the GIL honours a
GIL drop request another thread of the server made before the fork, waits in drop_gil for a
thread that does not exist in the child, and hangs for good. Seen once in the unit tests,
under load; done only inside a C function, as os.fork() does, it would be safe.)

Only a speed-up: the pages are the ones the REPL would copy anyway (plus the probe's few of its
own), nothing changes in what a REPL sees, and wherever a step is unsupported (not Linux, a
kernel before 5.14, no pagemap) the list is empty or `populate` stops, and REPLs fault as
before.
"""

import json
import os
import struct

MADV_POPULATE_WRITE = 23  # linux/mman.h, Linux 5.14
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_supported = True
_madvise = None


def _writable_private_ranges():
    """(start, end) of this process's private writable mappings (the heap, anonymous memory,
    libraries' data), but the stack (a child's differs)."""
    out = []
    with open("/proc/self/maps") as f:
        for line in f:
            fields = line.split()
            perms = fields[1]
            if perms[0:2] == "rw" and perms[3] == "p" and not (len(fields) > 5 and fields[5].startswith("[stack")):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                out.append((start, end))
    return out


def _exclusive_ranges(ranges):
    """[(address, bytes)] of the pages in `ranges` present and mapped by this process alone now
    (/proc/self/pagemap bits 63 and 56, readable without privileges since Linux 4.2), adjacent
    pages merged."""
    found = []
    with open("/proc/self/pagemap", "rb") as pagemap:
        for start, end in ranges:
            pagemap.seek(start // _PAGE * 8)
            data = pagemap.read((end - start) // _PAGE * 8)
            for i, (entry,) in enumerate(struct.iter_unpack("Q", data)):
                if entry >> 63 & 1 and entry >> 56 & 1:
                    addr = start + i * _PAGE
                    if found and found[-1][1] == addr:
                        found[-1][1] = addr + _PAGE
                    else:
                        found.append([addr, addr + _PAGE])
    return [(a, b - a) for a, b in found]


def learn(rehearse):
    """The page ranges of this process's memory that a child writes when it runs `rehearse()`
    (the spare's preparation): a probe child runs it and reports the pages it then holds alone.
    [] where that cannot be found out. Costs one fork and the probe's run, once."""
    if not os.path.exists("/proc/self/pagemap"):
        return []
    try:
        ranges = _writable_private_ranges()
        r, w = os.pipe()
        pid = os.fork()
    except OSError:
        return []
    if pid == 0:
        try:
            os.close(r)
            rehearse()
            os.write(w, json.dumps(_exclusive_ranges(ranges)).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass  # reaped already (the fork server's reaper thread waits for any child)
    try:
        return [(int(a), int(n)) for a, n in json.loads(data)] if data else []
    except ValueError:
        return []


def prepare():
    """Looks up, once in the process that forks (the fork server), the madvise that `populate`
    calls through ctypes: done in each child, the look-up cost it ~50 page faults of its own."""
    global _madvise
    try:
        import ctypes

        _madvise = ctypes.CDLL(None, use_errno=True).madvise
        _madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        _madvise.restype = ctypes.c_int
    except (ImportError, OSError, AttributeError):
        _madvise = None


def fork(ranges):
    """os.fork(), the child then copying the pages of `ranges` (`populate`) before it returns.
    Returns 0 in the child and the child's pid in the parent; raises OSError when fork() fails."""
    pid = os.fork()
    if pid == 0:
        populate(ranges)
    return pid


def populate(ranges):
    """Copies the pages of `ranges` into this process now (madvise MADV_POPULATE_WRITE, one call
    per range). A range that is no longer mapped is skipped; an unsupported kernel stops it for
    good (the pages then fault one by one, as without it)."""
    global _supported, _madvise
    if not ranges or not _supported:
        return
    import ctypes

    if _madvise is None:
        _madvise = ctypes.CDLL(None, use_errno=True).madvise
        _madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        _madvise.restype = ctypes.c_int
    for addr, length in ranges:
        if _madvise(addr, length, MADV_POPULATE_WRITE) != 0 and ctypes.get_errno() == 22:  # EINVAL: not this kernel
            _supported = False
            return
