/**
 * zod's `z`, loaded on first use instead of at `import '@rlmtree/core'` (issue 18: evaluating
 * zod was ~105 of the ~125 ms of CPU the import added to a bare Node start, and an ordinary run
 * builds no schema at all, see `lazySchemasBuilt`).
 *
 * `z` here is a `lazyObject` stand-in for zod's `z` with the same type: the first property read
 * (`z.object`, `z.toJSONSchema`, ...) loads zod synchronously, through `require()` of the file
 * `import 'zod'` resolves to (Node >= 22.12 loads ES modules with `require`), and every read then
 * goes to zod's own `z`. It is the very instance `import { z } from 'zod'` gives the user's code
 * (one module cache), so schemas and registries (`.describe()`, `.meta()`) are shared with
 * theirs; zod's CommonJS build, which `require('zod')` would pick, would be a second copy.
 *
 * Import `z` from here for values; `import type { z } from 'zod'` stays as it is for types only.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { z as Z } from 'zod';
import { lazyObject } from './lazy.ts';

/**
 * Loads zod's `z` from its ES module entry (zod's `exports` "import" target).
 * @throws Error when zod cannot be found from here (not installed, or a bundle shipped without
 *   a `node_modules` holding it), naming where it was looked for.
 */
function load(): typeof Z {
  let entry: string;
  try {
    entry = import.meta.resolve('zod');
  } catch (err) {
    throw new Error(`@rlmtree/core: cannot find zod from ${import.meta.url} (${(err as Error).message}); install it (npm i zod), or ship node_modules beside a bundle`, { cause: err });
  }
  return (createRequire(import.meta.url)(fileURLToPath(entry)) as { z: typeof Z }).z;
}

/**
 * zod's `z` (see the file comment): typed as zod's, loaded on first use.
 * @throws Error on first use when zod cannot be found (see `load`).
 */
export const z = lazyObject(load);

/**
 * The types of zod's `z` namespace the core uses, beside the value `z` above (a type-only
 * namespace merges with the `const`, so `z.infer<typeof S>` works as with zod's own `z`).
 */
export declare namespace z {
  /** zod's `z.infer`. */
  type infer<T> = Z.infer<T>;
  /** zod's `z.input`. */
  type input<T> = Z.input<T>;
  /** zod's `z.output`. */
  type output<T> = Z.output<T>;
  /** zod's `z.ZodType`. */
  type ZodType<O = unknown, I = unknown> = Z.ZodType<O, I>;
  /** zod's `z.ZodObject`. */
  type ZodObject = Z.ZodObject;
  /** zod's `z.ZodError`. */
  type ZodError<T = unknown> = Z.ZodError<T>;
  /** zod's `z.ZodSafeParseResult`. */
  type ZodSafeParseResult<T> = Z.ZodSafeParseResult<T>;
}
