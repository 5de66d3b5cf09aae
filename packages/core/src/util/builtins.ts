/**
 * The Node built-ins core uses, each got on first use with `process.getBuiltinModule` (Node ≥
 * 22.3: synchronous, the same module object a static import gives) instead of a static `import`.
 * Issue 18 (no work at import): an ESM import of a built-in builds an ES module facade of all its
 * exports, and `node:crypto`, `node:readline` and `node:fs/promises` are loaded just for that;
 * the six core used cost ~20-25 ms of CPU at `import '@rlmtree/core'` (measured on the shared
 * 2-core machine), against 0.5-2.5 ms for the first `getBuiltinModule` of one.
 */
let crypto: typeof import('node:crypto') | undefined;
let readline: typeof import('node:readline') | undefined;
let fsPromises: typeof import('node:fs/promises') | undefined;

/** `node:crypto`, got on the first call. */
export const nodeCrypto = (): typeof import('node:crypto') => (crypto ??= process.getBuiltinModule('node:crypto'));
/** `node:readline`, got on the first call. */
export const nodeReadline = (): typeof import('node:readline') => (readline ??= process.getBuiltinModule('node:readline'));
/** `node:fs/promises`, got on the first call. */
export const nodeFsPromises = (): typeof import('node:fs/promises') => (fsPromises ??= process.getBuiltinModule('node:fs/promises'));
let fs: typeof import('node:fs') | undefined;
let path: typeof import('node:path') | undefined;
let nodeModule: typeof import('node:module') | undefined;

/** `node:fs`, got on the first call. */
export const nodeFs = (): typeof import('node:fs') => (fs ??= process.getBuiltinModule('node:fs'));
/** `node:path`, got on the first call. */
export const nodePath = (): typeof import('node:path') => (path ??= process.getBuiltinModule('node:path'));
/** `node:module`, got on the first call. */
export const nodeModuleApi = (): typeof import('node:module') => (nodeModule ??= process.getBuiltinModule('node:module'));
