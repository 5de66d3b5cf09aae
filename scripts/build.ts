/**
 * Builds the publishable packages: `tsc -p packages/<name>/tsconfig.build.json` for each (JS +
 * .d.ts + maps in dist/, the folder layout of src/ kept so files found relative to a module stay
 * found), then copies the files of src/ that are not TypeScript (CSS, JSON…) beside them.
 * Packages are built in dependency order, each against the .d.ts of the ones before it, so a
 * build checks exactly what a consumer will see.
 *
 *   node scripts/build.ts                  every package
 *   node scripts/build.ts @rlmtree/cli     that package and the internal packages it needs
 *
 * @throws (exits 1) when tsc reports an error, naming the package.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO, workspacePackages, type WorkspacePackage } from './lib/workspace.ts';

const TSC = join(REPO, 'node_modules/typescript/bin/tsc');

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
    execFileSync(process.execPath, [TSC, '-p', join(pkg.path, 'tsconfig.build.json')], { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } });
  } catch {
    process.stderr.write(`build: tsc failed for ${pkg.json.name} (${pkg.dir})\n`);
    process.exit(1);
  }
  copyAssets(pkg);
  process.stderr.write(`build: ${pkg.json.name} -> ${pkg.dir}/dist\n`);
}
