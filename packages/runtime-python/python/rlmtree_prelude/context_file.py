"""CONTEXT from the init message: inline, or read from the file the host wrote (contextFile).

A context file holds the context's UTF-8 bytes; a list context's file holds its documents' bytes
one after another, their byte lengths in `contextFile.documents`. The file is mapped and decoded
straight from the mapping, so the text is never parsed as JSON and never copied as bytes first.

When the message names the file's content address (`contextFile.sha256`), the bytes are hashed
while they are decoded (another thread; hashlib lets go of the GIL) and a file whose bytes do not
match is refused: a context file changed after the host wrote it is an error, never a different
CONTEXT read silently.

A process that will fork many REPLs over one context (a context server, rlmtree_snapshot.py's
`share_context`) reads it once with `share`; the REPLs forked from it then bind that same `str`,
whose pages they share copy-on-write, instead of each decoding its own copy.
"""

import hashlib
import threading

# Contexts read once by `share`, by file path: (bytes, documents, sha256, value). Inherited by
# every process forked after the read.
_SHARED = {}


class ContextFileError(Exception):
    """The context file named in `init` cannot be read as the message describes it."""


def load_context(msg):
    """The value `CONTEXT` is bound to: `msg["context"]`, or the text of `msg["contextFile"]`
    (the shared copy when this process, or the one it was forked from, read it with `share`).

    Raises ContextFileError naming the file when it is missing, its length differs from the
    message's, its bytes do not match the message's content address, or a document is not
    valid UTF-8."""
    ref = msg.get("contextFile")
    if ref is None:
        return msg["context"]
    known = _SHARED.get(ref["path"])
    if known is not None and known[:3] == _identity(ref):
        return known[3]
    return _read(ref)


def share(ref):
    """Reads the context file `ref` (a `contextFile`) once for this process and those it forks
    from now on (see the module comment); returns its value. Raises ContextFileError as
    `load_context` does."""
    value = _read(ref)
    _SHARED[ref["path"]] = _identity(ref) + (value,)
    return value


def _identity(ref):
    documents = ref.get("documents")
    return (int(ref["bytes"]), None if documents is None else tuple(documents), ref.get("sha256"))


def _read(ref):
    # Imported here: runtimes that always send contexts inline (Pyodide) need not have mmap.
    import mmap

    path = ref["path"]
    expected = int(ref["bytes"])
    documents = ref.get("documents")
    address = ref.get("sha256")
    try:
        with open(path, "rb") as f:
            size = _size(f)
            if size != expected:
                raise ContextFileError("context file %s holds %d bytes, the init message says %d" % (path, size, expected))
            if size == 0:
                _check(path, address, _address(memoryview(b""), documents))
                return "" if documents is None else ["" for _ in documents]
            with _map(mmap, f) as mm:
                view = memoryview(mm)
                try:
                    if documents is not None and sum(documents) != size:
                        raise ContextFileError("context file %s: the documents' lengths add up to %d bytes, not %d" % (path, sum(documents), size))
                    hashed = _Hashing(view, documents) if address is not None else None
                    try:
                        if documents is None:
                            value = _decode(view, path, 0)
                        else:
                            value, pos = [], 0
                            for i, n in enumerate(documents):
                                value.append(_decode(view[pos : pos + n], path, i))
                                pos += n
                    finally:
                        if hashed is not None:
                            hashed.join()
                    if hashed is not None:
                        _check(path, address, hashed.hex)
                    return value
                finally:
                    view.release()
    except OSError as exc:
        raise ContextFileError("cannot read the context file %s: %s" % (path, exc)) from None


class _Hashing(threading.Thread):
    """The content address of a mapped context file, computed beside the decoding."""

    def __init__(self, view, documents):
        super().__init__(daemon=True)
        self.view = view
        self.documents = documents
        self.hex = None
        self.start()

    def run(self):
        self.hex = _address(self.view, self.documents)


def _address(view, documents):
    """What the host names a context file by (runtime-python/src/context-files.ts): sha256 of
    a str's UTF-8 bytes; for a list, sha256 of "list:" and its documents' sha256s joined by ","."""
    if documents is None:
        return hashlib.sha256(view).hexdigest()
    hashes, pos = [], 0
    for n in documents:
        hashes.append(hashlib.sha256(view[pos : pos + n]).hexdigest())
        pos += n
    return hashlib.sha256(("list:" + ",".join(hashes)).encode("ascii")).hexdigest()


def _check(path, address, actual):
    if address is not None and actual != address:
        raise ContextFileError("context file %s was changed: its bytes hash to %s, not %s as the host wrote them" % (path, actual, address))


def _map(mmap, f):
    """The file mapped read-only; where the system has MAP_POPULATE (Linux), its pages are mapped in
    one call instead of a fault every few pages as the decoding reads them."""
    populate = getattr(mmap, "MAP_POPULATE", 0)
    if populate:
        return mmap.mmap(f.fileno(), 0, flags=mmap.MAP_SHARED | populate, prot=mmap.PROT_READ)
    return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _size(f):
    f.seek(0, 2)
    size = f.tell()
    f.seek(0)
    return size


def _decode(view, path, index):
    try:
        return str(view, "utf-8")
    except UnicodeDecodeError as exc:
        raise ContextFileError("context file %s, document %d: not UTF-8 (%s)" % (path, index, exc)) from None
