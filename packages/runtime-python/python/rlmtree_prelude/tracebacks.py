"""Agent tracebacks: the agent's own frames (cells and libraries), never the prelude's."""

import os
import re
import traceback

# Every file of this package is the prelude's own; transports in files of their own
# (rlmtree_jupyter.py, rlmtree_fork_server.py, rlmtree_pyodide.py) add theirs with internal_file().
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_INTERNAL_FILES = set()
# The prelude's classes print as "rlmtree_prelude.errors.ToolError" in a traceback; agent code
# knows them by their bare names (commit 7997932).
_QUALIFIED = re.compile(r"^%s(?:\.\w+)*\." % re.escape(__name__.split(".")[0]), re.MULTILINE)


def internal_file(path):
    """Marks `path` as a prelude file: its frames are left out of agent tracebacks."""
    _INTERNAL_FILES.add(os.path.abspath(path))


def _internal(filename):
    path = os.path.abspath(filename)
    return path.startswith(_PACKAGE_DIR) or path in _INTERNAL_FILES


def format_error(exc):
    """{type, message, traceback} of `exc`: the exception and the traceback of the agent's own
    frames, without the prelude's frames, its classes named bare."""
    te = traceback.TracebackException.from_exception(exc)
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if not _internal(f.filename)])
    text = _QUALIFIED.sub("", "".join(te.format()))
    return {"type": type(exc).__name__, "message": str(exc), "traceback": text.rstrip("\n")}
