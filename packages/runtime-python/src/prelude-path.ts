/** Where the Python prelude lives on disk, for runtimes that run it from a file or copy it. */
import { fileURLToPath } from 'node:url';

/** Absolute path of `rlmtree_prelude.py`. */
export const PRELUDE_PATH: string = fileURLToPath(new URL('../python/rlmtree_prelude.py', import.meta.url));
