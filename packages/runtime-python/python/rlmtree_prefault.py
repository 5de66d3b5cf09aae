"""Copying a forked REPL's hot pages in a few system calls instead of a page fault each.

A REPL forked by the fork server writes to a few hundred pages it shares copy-on-write with
the server (reference counts and memory pools of the objects its first messages touch), and
each write faults on its own. Where faults are dear (a VM with shadow page tables: ~30 us each
on the machine of issue 18, against ~10 us a page in one madvise(MADV_POPULATE_WRITE) call),
that was a quarter of a forked REPL's CPU. So the server learns once which of its pages a REPL
writes (`learn`: a probe child does what a spare does, then reads from /proc/self/pagemap the
pages it holds alone) and each new spare copies those ranges first thing (`populate`).

The server forks its REPLs with `fork`, which copies those pages in the child before anything
else runs there: CPython's own after-fork work (its locks, the other threads' states, and the
at-fork hooks: threading's alone wrote ~100 shared pages in every child) comes after, so its
writes find their pages copied. Measured with the fork server driven like a fan-out (60 REPLs
in a row, rounds interleaved, load ~3.5): 52 ms of CPU per REPL with `populate` after
`os.fork()` against 42 ms with `fork`.

Only a speed-up: the pages are the ones the REPL would copy anyway (plus the probe's few of its
own), nothing changes in what a REPL sees, and wherever a step is unsupported (not Linux, a
kernel before 5.14, no pagemap, no ctypes.pythonapi) the list is empty, `populate` stops or
`fork` is `os.fork()`, and REPLs fault as before.
"""

import json
import os
import struct
import sys

MADV_POPULATE_WRITE = 23  # linux/mman.h, Linux 5.14
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_supported = True
_madvise = None
# What `fork` calls (see `prepare`): libc's fork and madvise, CPython's three fork steps, ctypes.get_errno.
_forking = None


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
    """Looks up, once in the process that forks (the fork server), what `populate` and `fork`
    call through ctypes: done in each child, the look-ups cost it ~50 page faults of their own.
    Leaves `fork` as plain os.fork() where something is missing (no ctypes, no pythonapi)."""
    global _madvise, _forking
    try:
        import ctypes

        _madvise = ctypes.CDLL(None, use_errno=True).madvise
        _madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        _madvise.restype = ctypes.c_int
        # PyDLL: the GIL stays held through each call, as os.fork() holds it through fork().
        libc = ctypes.PyDLL(None, use_errno=True)
        libc_fork, libc_madvise = libc.fork, libc.madvise
        libc_fork.restype = ctypes.c_int
        libc_madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        libc_madvise.restype = ctypes.c_int
        api = ctypes.pythonapi
        _forking = (libc_fork, libc_madvise, api.PyOS_BeforeFork, api.PyOS_AfterFork_Parent, api.PyOS_AfterFork_Child, ctypes.get_errno)
    except (ImportError, OSError, AttributeError):
        _forking = None


def fork(ranges):
    """os.fork(), the child copying the pages of `ranges` (as `populate`) before anything else
    runs in it, CPython's own after-fork work included (see the module comment). The steps are
    os.fork()'s (CPython's os_fork_impl: the `os.fork` audit event, PyOS_BeforeFork, fork(),
    then PyOS_AfterFork_Child or PyOS_AfterFork_Parent), called through ctypes with the GIL
    held, the copy between fork() and PyOS_AfterFork_Child; between them the child runs only
    that loop of madvise calls. Without `prepare` (or `ranges`), os.fork() and then `populate`.
    Returns 0 in the child and the child's pid in the parent; raises OSError when fork()
    fails, as os.fork() does."""
    if not ranges or _forking is None or not _supported:
        pid = os.fork()
        if pid == 0:
            populate(ranges)
        return pid
    libc_fork, madvise, before, after_parent, after_child, get_errno = _forking
    sys.audit("os.fork")
    before()
    pid = libc_fork()
    if pid == 0:
        for addr, length in ranges:
            if madvise(addr, length, MADV_POPULATE_WRITE) != 0 and get_errno() == 22:  # EINVAL: not this kernel
                break
        after_child()
        return 0
    err = get_errno()
    after_parent()
    if pid < 0:
        raise OSError(err, os.strerror(err))
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
