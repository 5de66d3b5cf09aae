/**
 * Issue 18's start-up rows of `bench/engine.bench.ts --targets`: the CPU (user + system) of a
 * whole fresh process that imports `@rlmtree/core` or runs `rlmtree --help`, against bare node in
 * the same run. Cases run interleaved (round r runs every case once), min and median of `ROUNDS`.
 *
 * Rows: from the sources (type stripping, the "@rlmtree/source" condition), from the built dist
 * (`npm run build`; the files `npm pack` ships, resolved through the workspace link), and, with
 * `--installed DIR` (a project where the packed tarballs were installed, e.g. the folder
 * `node scripts/consumer-check.ts --keep` leaves), from DIR's node_modules. `rlmtree --help` runs
 * the real bin; the bin turns on Node's compile cache, so its built rows are given twice: with a
 * warm cache (a folder of this run, filled by one run first) and with it off
 * (`NODE_DISABLE_COMPILE_CACHE=1`, what the very first start costs). With `--baseline DIR` (a
 * checkout of another commit with its dist built, e.g. `git worktree add DIR <commit>`, its
 * node_modules, `node scripts/build.ts @rlmtree/core` there), the same import from DIR's built
 * core is measured in the same rounds, for a before/after in one run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './cells.ts';

const REPO = join(import.meta.dirname, '../..');
const ROUNDS = 5;
const PRINT_CPU = join(import.meta.dirname, 'print-cpu.mjs');

/** One fresh-process case: node arguments, working folder, extra environment. */
interface Case {
  name: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Checked against the 150 ms import target. */
  importRow?: boolean;
}

/** Whole-process CPU (ms) of `node args`, from the preloaded `print-cpu.mjs`. */
function processCpuMs(c: Case): number {
  // Without NODE_OPTIONS: scripts/node22.sh puts --conditions=@rlmtree/source there, which would
  // make the "built dist" rows load the sources.
  const env = { ...process.env, NODE_OPTIONS: '', ...c.env };
  const r = spawnSync(process.execPath, ['--import', PRINT_CPU, ...c.args], { cwd: c.cwd ?? REPO, encoding: 'utf8', env });
  const m = /RLMTREE_CPU_US (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`node ${c.args.join(' ')} (in ${c.cwd ?? REPO}) failed (${r.status}): ${r.stderr.slice(-400)}`);
  return Number(m[1]) / 1000;
}


/** A table row: measure, value, baseline, ratio, target. */
export type StartupRow = [string, string, string, string, string];

/**
 * Measures the start-up cases and returns their rows (`notes` gets what was skipped and why).
 * @param installed a project folder holding node_modules/@rlmtree/{core,cli} installed from the
 *   packed tarballs, or undefined to skip those rows.
 * @param baseline another checkout with its core built (see the file comment), or undefined.
 */
export function startupRows(installed: string | undefined, notes: string[], baseline?: string): StartupRow[] {
  const importCore = ['--input-type=module', '-e', "await import('@rlmtree/core')"];
  const cache = mkdtempSync(join(tmpdir(), 'rlmtree-bench-compile-cache-'));
  const warm = { NODE_COMPILE_CACHE: cache };
  const cold = { NODE_DISABLE_COMPILE_CACHE: '1' };
  const cases: Case[] = [
    { name: 'bare node', args: ['-e', 'process.exitCode = 0'] },
    // zod is the one dependency core needs at once (every run validates its limits and host
    // calls), so its own load is the floor under the import rows.
    { name: "import 'zod' alone (core's schema library)", args: ['--input-type=module', '-e', "await import('zod')"] },
    { name: "import '@rlmtree/core' (sources, type stripping)", args: ['--conditions=@rlmtree/source', ...importCore], importRow: true },
  ];
  const builtCore = existsSync(join(REPO, 'packages/core/dist/index.js'));
  const builtCli = existsSync(join(REPO, 'packages/cli/dist/main.js'));
  if (builtCore) cases.push({ name: "import '@rlmtree/core' (built dist)", args: importCore, importRow: true });
  else notes.push('built dist rows skipped: run `npm run build` first');
  const bin = join(REPO, 'packages/cli/bin/rlmtree.js');
  cases.push({ name: 'rlmtree --help (repo bin: sources)', args: [bin, '--help'], env: cold });
  // The repo bin runs the sources when src/ is there; the built CLI is started as the bin does it.
  const builtHelp = ['--input-type=module', '-e', `import * as m from 'node:module'; m.enableCompileCache?.(); const { main } = await import(${JSON.stringify(join(REPO, 'packages/cli/dist/main.js'))}); process.exitCode = await main(['--help'])`];
  if (builtCli) {
    cases.push({ name: 'rlmtree --help (built dist, compile cache off)', args: builtHelp, env: cold });
    cases.push({ name: 'rlmtree --help (built dist, compile cache warm)', args: builtHelp, env: warm });
  }
  if (installed) {
    const coreDir = join(installed, 'node_modules/@rlmtree/core');
    const cliBin = join(installed, 'node_modules/@rlmtree/cli/bin/rlmtree.js');
    if (!existsSync(coreDir) || !existsSync(cliBin)) throw new Error(`--installed ${installed}: no node_modules/@rlmtree/core and cli there (make one with: node scripts/consumer-check.ts --keep)`);
    cases.push({ name: "import '@rlmtree/core' (installed tarball)", args: importCore, cwd: installed, importRow: true });
    cases.push({ name: 'rlmtree --help (installed bin, compile cache off)', args: [cliBin, '--help'], cwd: installed, env: cold });
    cases.push({ name: 'rlmtree --help (installed bin, compile cache warm)', args: [cliBin, '--help'], cwd: installed, env: warm });
  } else notes.push('installed-package rows skipped: pass --installed DIR (node scripts/consumer-check.ts --keep prints the folder)');

  if (baseline) {
    const dist = join(baseline, 'packages/core/dist/index.js');
    if (!existsSync(dist)) throw new Error(`--baseline ${baseline}: no packages/core/dist/index.js there (run node scripts/build.ts @rlmtree/core in it)`);
    cases.push({ name: `import '@rlmtree/core' (built dist of --baseline ${baseline})`, args: ['--input-type=module', '-e', `await import(${JSON.stringify(dist)})`], importRow: true });
  }

  // Fill the warm cache once per warm case before sampling.
  for (const c of cases) if (c.env === warm) processCpuMs(c);
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) for (const [i, c] of cases.entries()) samples[i]!.push(processCpuMs(c));
  rmSync(cache, { recursive: true, force: true });
  const mins = samples.map((s) => Math.min(...s));
  return cases.map((c, i) => [
    c.name,
    `${mins[i]!.toFixed(0)} ms (median ${median(samples[i]!).toFixed(0)})`,
    i === 0 ? '' : `bare node ${mins[0]!.toFixed(0)} ms`,
    i === 0 ? '1.00x' : `${(mins[i]! / mins[0]!).toFixed(2)}x`,
    c.importRow ? `<= 150 ms: ${mins[i]! <= 150 ? 'met' : 'NOT met'}; above bare node: ${(mins[i]! - mins[0]!).toFixed(0)} ms` : '',
  ]);
}
