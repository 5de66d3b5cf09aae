/**
 * The Node built-ins core uses, each got on first use with `process.getBuiltinModule` (Node ≥
 * 22.3: synchronous, the same module object a static import gives) instead of a static `import`.
 * Issue 18 (no work at import): an ESM import of a built-in builds an ES module facade of all its
 * exports, and `node:crypto`, `node:readline` and `node:fs/promises` are loaded just for that;
 * the six core used cost ~20-25 ms of CPU at `import '@rlmtree/core'` (measured on the shared
 * 2-core machine), against 0.5-2.5 ms for the first `getBuiltinModule` of one.
 */
/** A getter of the built-in `id`, which asks Node for it on its first call and keeps it. */
function builtin<T>(id: string): () => T {
  let module: T | undefined;
  return () => (module ??= process.getBuiltinModule(id) as T);
}

/** `node:crypto`, got on the first call. */
export const nodeCrypto = builtin<typeof import('node:crypto')>('node:crypto');
/** `node:readline`, got on the first call. */
export const nodeReadline = builtin<typeof import('node:readline')>('node:readline');
/** `node:fs/promises`, got on the first call. */
export const nodeFsPromises = builtin<typeof import('node:fs/promises')>('node:fs/promises');
/** `node:fs`, got on the first call. */
export const nodeFs = builtin<typeof import('node:fs')>('node:fs');
/** `node:path`, got on the first call. */
export const nodePath = builtin<typeof import('node:path')>('node:path');
/** `node:module`, got on the first call. */
export const nodeModuleApi = builtin<typeof import('node:module')>('node:module');
