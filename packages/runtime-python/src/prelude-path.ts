/** Where the Python prelude lives on disk, for runtimes that run it from a file or copy it. */
import { pythonFile } from './python-file.ts';

/** Absolute path of `rlmtree_prelude.py` (found as a package subpath, see python-file.ts). */
export const PRELUDE_PATH: string = pythonFile('@rlmtree/runtime-python', 'rlmtree_prelude.py');

/** Absolute path of `rlmtree_fork_server.py`, the fork server (imports the prelude beside it). */
export const FORK_SERVER_PATH: string = pythonFile('@rlmtree/runtime-python', 'rlmtree_fork_server.py');

/** Absolute path of `rlmtree_jupyter.py`, the prelude's transport inside an IPython kernel. */
export const JUPYTER_TRANSPORT_PATH: string = pythonFile('@rlmtree/runtime-python', 'rlmtree_jupyter.py');
