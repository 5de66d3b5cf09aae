/** Where the Python prelude lives on disk, for runtimes that run it from a folder or ship its source. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pythonFile } from '@rlmtree/core';

/**
 * Absolute path of the prelude package folder `rlmtree_prelude/` (found as a package subpath, see
 * python-file.ts). `python3 PRELUDE_DIR` serves one REPL over stdio; put its parent on `sys.path`
 * to `import rlmtree_prelude`.
 */
export const PRELUDE_DIR: string = dirname(pythonFile('@rlmtree/runtime-python', 'rlmtree_prelude/__init__.py', import.meta.url));

/** Absolute path of `rlmtree_fork_server.py`, the fork server (imports the prelude package beside it). */
export const FORK_SERVER_PATH: string = pythonFile('@rlmtree/runtime-python', 'rlmtree_fork_server.py', import.meta.url);

/** Absolute path of `rlmtree_jupyter.py`, the prelude's transport inside an IPython kernel. */
export const JUPYTER_TRANSPORT_PATH: string = pythonFile('@rlmtree/runtime-python', 'rlmtree_jupyter.py', import.meta.url);

let sources: Record<string, string> | undefined;

/**
 * The source of every module of the prelude package, by path relative to the folder above it
 * (`rlmtree_prelude/__init__.py`, `rlmtree_prelude/repl.py`, …; sorted), for a runtime that
 * writes the package into another file system (Pyodide) or ships it as source (a Jupyter kernel).
 * Read once; a copy each call.
 * @throws Error (from the file system) when the folder cannot be read.
 */
export function preludeSources(): Record<string, string> {
  sources ??= Object.fromEntries(
    readdirSync(PRELUDE_DIR)
      .filter((f) => f.endsWith('.py'))
      .sort()
      .map((f) => [`rlmtree_prelude/${f}`, readFileSync(join(PRELUDE_DIR, f), 'utf8')]),
  );
  return { ...sources };
}

/**
 * Absolute path of `rlmtree_reaper.py`: run as a script it is the guard of one REPL over its
 * stdio (a child subreaper that kills whatever the REPL's code started when the REPL ends or the
 * host dies); the fork server imports it for the same job.
 */
export const REAPER_PATH: string = pythonFile('@rlmtree/runtime-python', 'rlmtree_reaper.py', import.meta.url);
