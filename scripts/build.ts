/**
 * Builds the publishable packages. For each package, in dependency order:
 *
 *  1. `tsc -p packages/<name>/tsconfig.build.json --emitDeclarationOnly`: the .d.ts files (and
 *     their maps) in dist/, checked against the .d.ts of the packages built before it, so a build
 *     checks exactly what a consumer will see;
 *  2. esbuild bundles the JavaScript: one file per `exports` entry (plus `EXTRA_ENTRIES`, files
 *     loaded by path such as a worker), with the code the entries share in chunks beside them
 *     (`splitting`, so a class stays one class across entries and `import()` stays lazy). Every
 *     package import (dependencies and the other @rlmtree packages) stays an import. Issue 18:
 *     Node reads, resolves, compiles and links each module separately, and core was ~90 of them;
 *     one bundle per entry loads in a fraction of that time;
 *  3. copies the files of src/ that are not TypeScript (CSS, JSON, .mjs fixtures…) beside them.
 *
 * Output files sit where tsc put them (`src/x.ts` -> `dist/x.js`, chunks at dist/), so paths a
 * module computes from `import.meta.url` (`../package.json`, `page/`, `../data/`) hold in both.
 *
 *   node scripts/build.ts                  every package
 *   node scripts/build.ts @rlmtree/cli     that package and the internal packages it needs
 *
 * @throws (exits 1) when tsc or esbuild reports an error, naming the package.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';
import { REPO, workspacePackages, type WorkspacePackage } from './lib/workspace.ts';

const TSC = join(REPO, 'node_modules/typescript/bin/tsc');

/** Files loaded by path rather than imported (they get an output file of their own). */
const EXTRA_ENTRIES: Record<string, string[]> = {
  // pyodide-process.ts starts `new Worker(new URL('./worker.js', import.meta.url))`.
  '@rlmtree/runtime-pyodide': ['src/worker.ts'],
  // html.ts bundles dist/page/app.js for the browser (with preact, which stays an import here)
  // when it writes the first page.
  '@rlmtree/viewer': ['src/page/app.ts'],
};

/** `wanted` and everything it depends on, in build order (all packages when `wanted` is empty). */
function selection(all: WorkspacePackage[], wanted: string[]): WorkspacePackage[] {
  if (wanted.length === 0) return all;
  const byName = new Map(all.map((p) => [p.json.name, p]));
  const keep = new Set<string>();
  const add = (name: string): void => {
    const p = byName.get(name);
    if (!p) throw new Error(`build: no workspace package named ${name} (packages: ${[...byName.keys()].join(', ')})`);
    if (keep.has(name)) return;
    keep.add(name);
    p.internal.forEach(add);
  };
  wanted.forEach(add);
  return all.filter((p) => keep.has(p.json.name));
}

/** The source file of each `exports` entry (its "@rlmtree/source" target), plus `EXTRA_ENTRIES`. */
function entryPoints(pkg: WorkspacePackage): string[] {
  const entries: string[] = [];
  for (const target of Object.values((pkg.json['exports'] ?? {}) as Record<string, unknown>)) {
    const source = typeof target === 'object' && target !== null ? (target as Record<string, string>)['@rlmtree/source'] : undefined;
    if (source) entries.push(join(pkg.path, source));
  }
  for (const extra of EXTRA_ENTRIES[pkg.json.name] ?? []) entries.push(join(pkg.path, extra));
  return entries;
}

/** Bundles the package's entries into dist/ (see the file comment, step 2). */
function bundle(pkg: WorkspacePackage): void {
  buildSync({
    entryPoints: entryPoints(pkg),
    outbase: join(pkg.path, 'src'),
    outdir: join(pkg.path, 'dist'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    sourcemap: true,
    sourcesContent: false,
    // Whitespace and syntax only: identifiers keep their names, so stack traces and error class
    // names read as in the sources.
    minifyWhitespace: true,
    minifySyntax: true,
    chunkNames: '[name]-[hash]',
    logLevel: 'warning',
  });
}

/** Copies src/**, minus TypeScript and tests, into dist/ (the page's CSS, data files…). */
function copyAssets(pkg: WorkspacePackage): void {
  const src = join(pkg.path, 'src');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (!/\.(c|m)?ts$/.test(name)) cpSync(file, join(pkg.path, 'dist', relative(src, file)));
    }
  };
  walk(src);
}

const all = workspacePackages();
for (const pkg of selection(all, process.argv.slice(2))) {
  if (pkg.json.private) continue;
  rmSync(join(pkg.path, 'dist'), { recursive: true, force: true });
  try {
    execFileSync(process.execPath, [TSC, '-p', join(pkg.path, 'tsconfig.build.json'), '--emitDeclarationOnly'], { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } });
  } catch {
    process.stderr.write(`build: tsc failed for ${pkg.json.name} (${pkg.dir})\n`);
    process.exit(1);
  }
  try {
    bundle(pkg);
  } catch (err) {
    process.stderr.write(`build: esbuild failed for ${pkg.json.name} (${pkg.dir}): ${(err as Error).message}\n`);
    process.exit(1);
  }
  copyAssets(pkg);
  process.stderr.write(`build: ${pkg.json.name} -> ${pkg.dir}/dist\n`);
}
