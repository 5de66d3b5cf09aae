/**
 * `node:crypto`, got on first use with `process.getBuiltinModule` (Node ≥ 22.3: synchronous, the
 * same module object a static import gives) instead of a static `import`, as core's
 * `util/builtins.ts` does (issue 18, no work at import): an ESM import of `node:crypto` loads it
 * and builds a facade of all its exports when the runtime is imported (~12 ms of CPU measured on
 * the shared 2-core machine), while only a context file's hash and a container's name need it.
 */
let crypto: typeof import('node:crypto') | undefined;

/** `node:crypto`, got on the first call and kept. */
export function nodeCrypto(): typeof import('node:crypto') {
  return (crypto ??= process.getBuiltinModule('node:crypto') as typeof import('node:crypto'));
}
