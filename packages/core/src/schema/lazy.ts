/**
 * Schemas built on first use instead of at import (issue 18: `import '@rlmtree/core'` built ~80
 * zod schemas, most of its evaluation time, before a program did anything).
 *
 * `lazySchema(build)` returns a stand-in that builds the schema the first time anything touches
 * it (a method call, `_zod`, `instanceof`, a property) and forwards everything to it from then
 * on, so it validates exactly like the schema `build` returns, with the same error texts. The
 * stand-in is a `Proxy`, so its identity is stable: the exported value never changes.
 *
 * Inside another schema's builder, refer to a lazy schema through `real(X)` so the built graph
 * holds the real schemas and parsing nested values never passes through a stand-in; only the
 * outermost call (`X.safeParse(...)`) does, once per call.
 */

const REAL = Symbol('rlmtree.lazySchema.real');

/** Stand-ins built so far in this process (see `lazySchemasBuilt`). */
let built = 0;

/**
 * How many `lazySchema` stand-ins have built their schema so far in this process: tests use the
 * difference across a run to prove what the run builds (an ordinary in-memory run: none).
 */
export function lazySchemasBuilt(): number {
  return built;
}

/**
 * A schema that `build` makes on first use (see the file comment).
 *
 * @param build makes the schema; called until it returns once (a throw is rethrown on every use,
 *   since the schema then never exists — a bug in the builder, not in the input).
 * @returns a stand-in typed as the schema itself.
 */
export function lazySchema<T extends object>(build: () => T): T {
  return lazyObject(() => {
    const schema = build();
    built += 1;
    return schema;
  });
}

/**
 * A stand-in for the object `make` returns, made the first time anything touches the stand-in
 * (a property read, `in`, `instanceof`, its keys) and then given every operation. `lazySchema`
 * is one; `schema/zod.ts` uses it for zod's own `z`.
 *
 * @param make makes the object; called until it returns once (a throw reaches the use that
 *   caused it, and the next use calls `make` again).
 * @returns a stand-in typed as the object itself; `real(standIn)` gives the object.
 */
export function lazyObject<T extends object>(make: () => T): T {
  let made: T | undefined;
  const get = (): T => (made ??= make());
  return new Proxy(Object.create(null) as T, {
    get: (_, key) => (key === REAL ? get() : Reflect.get(get(), key)),
    has: (_, key) => key === REAL || Reflect.has(get(), key),
    set: (_, key, value) => Reflect.set(get(), key, value),
    ownKeys: () => Reflect.ownKeys(get()),
    // Reported configurable: the stand-in's own target has none of these properties, and a proxy
    // may not report a non-configurable property its target lacks.
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(get(), key);
      return d && { ...d, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(get()),
    defineProperty: (_, key, d) => Reflect.defineProperty(get(), key, d),
    deleteProperty: (_, key) => Reflect.deleteProperty(get(), key),
  });
}

/**
 * The schema behind a `lazySchema` stand-in (or the object behind a `lazyObject` one), made now if
 * it was not yet, or `schema` itself when it is not a stand-in. Used inside schema builders (see the file comment).
 */
export function real<T extends object>(schema: T): T {
  return (schema as { [REAL]?: T })[REAL] ?? schema;
}
