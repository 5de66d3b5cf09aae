/**
 * Which code a bench measures: the workspace packages resolve to their TypeScript sources when
 * node runs with `--conditions=@rlmtree/source` (scripts/node22.sh puts it in NODE_OPTIONS), and
 * to the built dist/ (what users install) otherwise. Memory and start-up figures differ between
 * the two: type stripping alone holds ~40 MB of RSS.
 */

/**
 * Where `@rlmtree/core` resolves in this process.
 * @returns `'built dist'` or `'sources (type stripping)'`, for a bench's table heading.
 */
export function packagesFrom(): string {
  return /\/src\/[^/]+\.ts$/.test(import.meta.resolve('@rlmtree/core')) ? 'sources (type stripping)' : 'built dist';
}
