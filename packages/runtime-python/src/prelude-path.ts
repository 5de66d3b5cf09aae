/** Where the Python prelude lives on disk, for runtimes that run it from a file or copy it. */
import { pythonFile } from './python-file.ts';

/** Absolute path of `rlmtree_prelude.py` (found as a package subpath, see python-file.ts). */
export const PRELUDE_PATH: string = pythonFile('@rlmtree/runtime-python', 'rlmtree_prelude.py');
