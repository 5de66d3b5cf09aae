/**
 * Finding the Python files a package ships (python/*.py) in a way that survives bundling.
 *
 * A path computed relative to `import.meta.url` (a URL built from "../python" and it) points
 * next to whatever file the code ends up in: correct for this package's own dist/, wrong once a
 * bundler has moved the code into an app's bundle. So the files are resolved as package
 * subpaths (`<package>/python/<file>`, an entry of its `exports`) through Node's resolver, from
 * wherever the calling code now lives; that finds the package in any node_modules above a bundle.
 * A deployment that ships a bundle without node_modules copies the python/ folders and sets
 * `RLMTREE_PYTHON_DIR` to the folder holding them (docs/packaging.md).
 */
import { nodeFs, nodePath, nodeModuleApi } from '../util/builtins.ts';

/**
 * Absolute path of `file` from the `python/` folder of package `pkg` (e.g.
 * `pythonFile('@rlmtree/runtime-python', 'rlmtree_fork_server.py', import.meta.url)`), resolved
 * from `from`: the caller's `import.meta.url` (the package itself, or one that depends on it; a
 * package resolves its own name through its `exports`). `$RLMTREE_PYTHON_DIR`, when set, is
 * searched first.
 * @throws Error naming the file, the package and `RLMTREE_PYTHON_DIR` when it is found in neither.
 */
export function pythonFile(pkg: string, file: string, from: string): string {
  const dir = process.env['RLMTREE_PYTHON_DIR'];
  if (dir && nodeFs().existsSync(nodePath().join(dir, file))) return nodePath().join(dir, file);
  try {
    return nodeModuleApi().createRequire(from).resolve(`${pkg}/python/${file}`);
  } catch (err) {
    throw new Error(
      `cannot find ${file} of ${pkg} (${(err as Error).message.split('\n')[0]}); install ${pkg}, or copy its python/ folder and set RLMTREE_PYTHON_DIR to it`,
    );
  }
}
