"""`python3 -m rlmtree_prelude`, or `python3 <dir>/rlmtree_prelude` (the folder): one REPL over
this process's stdin and stdout."""

import os
import sys

if not __package__:
    # Run as a folder, Python put the package's own folder first on sys.path; the package is
    # imported from the folder above it instead (as a script's folder would be, so nothing
    # else is reachable than before).
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from rlmtree_prelude.stdio import serve_stdio  # noqa: E402

serve_stdio()
