"""CONTEXT from the init message: inline, or read from the file the host wrote (contextFile).

A context file holds the context's UTF-8 bytes; a list context's file holds its documents' bytes
one after another, their byte lengths in `contextFile.documents`. The file is mapped and decoded
straight from the mapping, so the text is never parsed as JSON and never copied as bytes first.
"""

class ContextFileError(Exception):
    """The context file named in `init` cannot be read as the message describes it."""


def load_context(msg):
    """The value `CONTEXT` is bound to: `msg["context"]`, or the text of `msg["contextFile"]`.

    Raises ContextFileError naming the file when it is missing or its length differs from the
    message's, or a document is not valid UTF-8."""
    ref = msg.get("contextFile")
    if ref is None:
        return msg["context"]
    # Imported here: runtimes that always send contexts inline (Pyodide) need not have mmap.
    import mmap

    path = ref["path"]
    expected = int(ref["bytes"])
    documents = ref.get("documents")
    try:
        with open(path, "rb") as f:
            size = _size(f)
            if size != expected:
                raise ContextFileError("context file %s holds %d bytes, the init message says %d" % (path, size, expected))
            if size == 0:
                return "" if documents is None else ["" for _ in documents]
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                view = memoryview(mm)
                try:
                    if documents is None:
                        return _decode(view, path, 0)
                    out, pos = [], 0
                    for i, n in enumerate(documents):
                        out.append(_decode(view[pos : pos + n], path, i))
                        pos += n
                    if pos != size:
                        raise ContextFileError("context file %s: the documents' lengths add up to %d bytes, not %d" % (path, pos, size))
                    return out
                finally:
                    view.release()
    except OSError as exc:
        raise ContextFileError("cannot read the context file %s: %s" % (path, exc)) from None


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
