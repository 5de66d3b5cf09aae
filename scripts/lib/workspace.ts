/**
 * The workspace's packages (packages/*), read from their package.json files, in build order:
 * every package after the internal packages it depends on. Used by the build, the consumer check
 * and the packaging-rules test, so a new package is picked up by all three without a list to edit.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Repository root (this file is scripts/lib/workspace.ts). */
export const REPO = join(import.meta.dirname, '../..');

/** One workspace package. */
export interface WorkspacePackage {
  /** Folder under the repository root, e.g. `packages/core`. */
  dir: string;
  /** Absolute folder. */
  path: string;
  /** The parsed package.json. */
  json: PackageJson;
  /** Names of the workspace packages it depends on (dependencies, peer and dev). */
  internal: string[];
}

/** The package.json fields the scripts read. */
export interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  [field: string]: unknown;
}

/**
 * Every folder of packages/ holding a package.json, sorted so each comes after its internal
 * dependencies. @throws Error on a dependency cycle (naming the packages in it).
 */
export function workspacePackages(): WorkspacePackage[] {
  const all = readdirSync(join(REPO, 'packages'))
    .filter((d) => existsSync(join(REPO, 'packages', d, 'package.json')))
    .sort()
    .map((d): WorkspacePackage => {
      const path = join(REPO, 'packages', d);
      const json = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as PackageJson;
      return { dir: `packages/${d}`, path, json, internal: [] };
    });
  const names = new Set(all.map((p) => p.json.name));
  for (const p of all) {
    const deps = ['dependencies', 'peerDependencies', 'devDependencies', 'optionalDependencies'].flatMap((f) => Object.keys((p.json[f] as Record<string, string> | undefined) ?? {}));
    p.internal = [...new Set(deps.filter((d) => names.has(d)))];
  }
  const byName = new Map(all.map((p) => [p.json.name, p]));
  const order: WorkspacePackage[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: WorkspacePackage, chain: string[]): void => {
    if (state.get(p.json.name) === 'done') return;
    if (state.get(p.json.name) === 'visiting') throw new Error(`workspace dependency cycle: ${[...chain, p.json.name].join(' -> ')}`);
    state.set(p.json.name, 'visiting');
    for (const d of p.internal) visit(byName.get(d)!, [...chain, p.json.name]);
    state.set(p.json.name, 'done');
    order.push(p);
  };
  for (const p of all) visit(p, []);
  return order;
}

/** The Node floor of the built packages: node:sqlite without a flag and commander 15 need 22.13 (docs/packaging.md). */
export const ENGINES_NODE = '>=22.13';
/** The export condition that maps a package's entry points to its TypeScript sources inside the repository. */
export const SOURCE_CONDITION = '@rlmtree/source';
