/**
 * The packaging rules of docs/packaging.md ("Adding a package"), checked for every folder of
 * packages/ — a new package that misses one fails here with the rule and the package named.
 * (The consumer check, scripts/consumer-check.ts, then proves the packed result installs and runs.)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINES_NODE, REPO, SOURCE_CONDITION, workspacePackages } from '../scripts/lib/workspace.ts';

const packages = workspacePackages().filter((p) => !p.json.private);
const versions = new Set(packages.map((p) => p.json.version));
const LICENSE = readFileSync(join(REPO, 'LICENSE'), 'utf8');
const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { repository: { url: string } };

/** Every .ts file under `dir`, tests excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const f = join(dir, n);
    if (statSync(f).isDirectory()) return sources(f);
    return n.endsWith('.ts') && !n.endsWith('.test.ts') ? [f] : [];
  });
}

it('the workspace has one version', () => {
  expect([...versions], 'every package.json "version" must be the same').toHaveLength(1);
});

describe.each(packages.map((p) => [p.json.name, p] as const))('%s', (name, pkg) => {
  const json = pkg.json as Record<string, any>;

  it('has MIT license metadata, a LICENSE file equal to the root one, and a README with Install and an example', () => {
    expect(json.license).toBe('MIT');
    expect(readFileSync(join(pkg.path, 'LICENSE'), 'utf8'), `${pkg.dir}/LICENSE must be a copy of /LICENSE`).toBe(LICENSE);
    const readme = readFileSync(join(pkg.path, 'README.md'), 'utf8');
    expect(readme).toMatch(/^# @rlmtree\//);
    expect(readme, `${pkg.dir}/README.md needs "## Install"`).toMatch(/^## Install$/m);
    expect(readme, `${pkg.dir}/README.md needs "## Example" with a fenced block`).toMatch(/^## Example$[\s\S]*```/m);
  });

  it('has description, keywords, repository (with its directory), homepage and bugs', () => {
    expect(json.description).toBeTruthy();
    expect(json.keywords?.length).toBeGreaterThan(0);
    expect(json.repository).toEqual({ type: 'git', url: root.repository.url, directory: pkg.dir });
    expect(json.homepage).toMatch(/^https:\/\//);
    expect(json.bugs).toMatch(/^https:\/\//);
  });

  it(`is an ES module for Node ${ENGINES_NODE}`, () => {
    expect(json.type).toBe('module');
    expect(json.engines).toEqual({ node: ENGINES_NODE });
  });

  it('depends on the workspace packages at exactly the workspace version', () => {
    for (const field of ['dependencies', 'peerDependencies', 'devDependencies', 'optionalDependencies']) {
      for (const dep of pkg.internal) {
        const range = json[field]?.[dep];
        if (range !== undefined) expect(range, `${field}.${dep}`).toBe(pkg.json.version);
      }
    }
  });

  it(`exports: each entry maps "${SOURCE_CONDITION}" to src/*.ts, then "types" and "import" to the dist/ files built from it`, () => {
    const exportsMap = json.exports as Record<string, unknown>;
    expect(exportsMap, 'exports must be an object of subpaths').toBeTypeOf('object');
    expect(exportsMap['./package.json']).toBe('./package.json');
    const entries = Object.entries(exportsMap).filter(([, t]) => typeof t === 'object');
    expect(entries.length, 'at least the "." entry').toBeGreaterThan(0);
    for (const [sub, target] of entries) {
      const t = target as Record<string, string>;
      expect(Object.keys(t), `exports["${sub}"] conditions, in this order`).toEqual([SOURCE_CONDITION, 'types', 'import']);
      const m = /^\.\/src\/(.+)\.ts$/.exec(t[SOURCE_CONDITION]!);
      expect(m, `exports["${sub}"]["${SOURCE_CONDITION}"] must be ./src/<path>.ts`).not.toBeNull();
      expect(existsSync(join(pkg.path, t[SOURCE_CONDITION]!)), `${t[SOURCE_CONDITION]} exists`).toBe(true);
      expect(t.types).toBe(`./dist/${m![1]}.d.ts`);
      expect(t.import).toBe(`./dist/${m![1]}.js`);
    }
  });

  it('ships dist, README.md, LICENSE (and python/, bin/, data/ when it has them), never src', () => {
    const files = json.files as string[];
    for (const need of ['dist', 'README.md', 'LICENSE']) expect(files).toContain(need);
    expect(files).not.toContain('src');
    for (const dir of ['python', 'bin', 'data']) if (existsSync(join(pkg.path, dir))) expect(files, `${pkg.dir}/${dir} exists`).toContain(dir);
    for (const bin of Object.values((json.bin ?? {}) as Record<string, string>)) expect(files.some((f) => bin.startsWith(f)), `bin ${bin} is shipped`).toBe(true);
  });

  it('builds with the shared tsconfig.build.json and before packing', () => {
    expect(JSON.parse(readFileSync(join(pkg.path, 'tsconfig.build.json'), 'utf8'))).toEqual({ extends: '../../tsconfig.build.json' });
    expect(json.scripts?.build).toBe(`node ../../scripts/build.ts ${name}`);
    expect(json.scripts?.prepack).toBe(json.scripts?.build);
  });

  it('finds files it ships through its exports, not paths relative to a module (they break in bundles)', () => {
    if (existsSync(join(pkg.path, 'python'))) expect(json.exports['./python/*']).toBe('./python/*');
    for (const file of sources(join(pkg.path, 'src'))) {
      const text = readFileSync(file, 'utf8');
      expect(text, `${file.slice(REPO.length + 1)} finds python/ relative to import.meta.url; use pythonFile()`).not.toMatch(/new URL\(['"`]\.\.\/python\//);
    }
  });
});
