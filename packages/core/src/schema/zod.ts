/**
 * zod's `z`, loaded on first use instead of at `import '@rlmtree/core'` (issue 18: evaluating
 * zod was ~105 of the ~125 ms of CPU the import added to a bare Node start, and an ordinary run
 * builds no schema at all, see `lazySchemasBuilt`).
 *
 * `z` here is a stand-in for zod's `z` with the same type: the first property read (`z.object`,
 * `z.toJSONSchema`, ...) loads zod synchronously, through `require()` of zod's ES module file
 * (Node >= 22.12 loads ES modules with `require`), and every read then goes to zod's own `z`.
 * It is the very instance `import { z } from 'zod'` gives the user's code (one module cache), so
 * schemas, registries (`.describe()`, `.meta()`) and `instanceof` checks are shared with theirs;
 * zod's CommonJS build, which `require('zod')` would pick, would be a second copy.
 *
 * Import `z` from here for values; `import type { z } from 'zod'` stays as it is for types only.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { z as Z } from 'zod';

let loaded: typeof Z | undefined;

/**
 * zod's `z`, loaded now if it was not yet.
 * @throws Error when zod cannot be found or loaded (a broken install: `npm i zod`).
 */
function load(): typeof Z {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url);
    // The ES module entry (zod's exports "import" target), not "require"'s CommonJS copy.
    let pkgFile: string;
    try {
      pkgFile = require.resolve('zod/package.json');
    } catch (err) {
      throw new Error(`@rlmtree/core: cannot find zod from ${import.meta.url} (${(err as Error).message}); install it (npm i zod), or ship node_modules beside a bundle`, { cause: err });
    }
    const entry = (require(pkgFile) as { exports?: { '.'?: { import?: unknown } } }).exports?.['.']?.import;
    if (typeof entry !== 'string') throw new Error(`@rlmtree/core: zod at ${dirname(pkgFile)} names no ES module entry (exports["."].import); install zod 4`);
    loaded = (require(join(dirname(pkgFile), entry)) as { z: typeof Z }).z;
  }
  return loaded;
}

/** zod's `z` (see the file comment): typed as zod's, loaded on first use. */
export const z = new Proxy(Object.create(null) as typeof Z, {
  get: (_, key) => Reflect.get(load(), key),
  has: (_, key) => Reflect.has(load(), key),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => {
    const d = Reflect.getOwnPropertyDescriptor(load(), key);
    return d && { ...d, configurable: true };
  },
});

/** The types of zod's `z` namespace the core uses, beside the value `z` above. */
// eslint-disable-next-line @typescript-eslint/no-namespace
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
