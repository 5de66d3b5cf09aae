/** `@rlmtree/runtime-pyodide`: agents' REPLs as CPython in WebAssembly in worker threads. */
export { PyodideRuntime, type PyodideMount, type PyodideRuntimeOptions } from './pyodide-runtime.ts';
