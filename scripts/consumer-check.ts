/**
 * The consumer check: what a user gets from npm, tried outside the repository.
 *
 *  1. builds every package (scripts/build.ts) and packs each (`npm pack`, as `npm publish` would);
 *  2. checks each tarball: dist/ with .js and .d.ts for every export, README.md, LICENSE, no
 *     tests, no sources;
 *  3. installs the tarballs (and typescript, @types/node and esbuild from the registry) into a new
 *     project in a temp folder;
 *  4. `tsc --noEmit` (strict, NodeNext, exactOptionalPropertyTypes, skipLibCheck off) over
 *     scripts/consumer/consumer.ts and every `ts example` of the READMEs, then runs them all;
 *  5. bundles consumer.ts with esbuild into one file and runs that (the Python files and the
 *     checkpoint writer must survive bundling);
 *  6. runs `npx rlmtree --version`, `--help` and `npx rlmtree run` on the demo (its text and
 *     policy copied in) and compares the answer with an independent count;
 *  7. checks that nothing installed links or points back into the repository.
 *
 * Everything in 3–7 runs with the temp project as working folder and an environment with no
 * NODE_OPTIONS (so no "@rlmtree/source" condition). Exit 0 when every check passes, else 1 with
 * the failed step named. `--keep` leaves the temp folder. Run by .ci/run.
 */
import { execFile, execFileSync, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptedLLM } from '@rlmtree/core';
import { startFakeOpenAI } from '@rlmtree/openai/testing';
import { startFakeAnthropic } from '@rlmtree/anthropic/testing';
import { topSpeaker } from '../tests/speakers.ts';
import { examplesOf, exampleName, markdownFiles, missingExpectation } from './lib/examples.ts';
import { REPO, workspacePackages } from './lib/workspace.ts';

const started = Date.now();
const keep = process.argv.includes('--keep');
const say = (line: string) => process.stdout.write(`consumer-check: ${line}\n`);
function fail(step: string, detail: string): never {
  process.stdout.write(`consumer-check: FAILED at ${step}\n${detail.trimEnd()}\n`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'rlmtree-consumer-'));
const project = join(work, 'project');
const tarballs = join(work, 'tarballs');
mkdirSync(project);
mkdirSync(tarballs);
const cleanEnv: NodeJS.ProcessEnv = { ...process.env };
delete cleanEnv['NODE_OPTIONS'];
delete cleanEnv['INIT_CWD'];
for (const k of Object.keys(cleanEnv)) if (k.startsWith('npm_')) delete cleanEnv[k];

/**
 * Runs a command without blocking this process (the fake model servers live in it); returns its
 * stdout, or fails the check naming `step`.
 */
function runAsync(step: string, cmd: string, args: string[], cwd = project): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: cleanEnv, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 180_000 }, (err, stdout, stderr) => {
      if (err) fail(step, `$ ${cmd} ${args.join(' ')}\n(${(err as NodeJS.ErrnoException).code ?? err.message})\n${stdout}${stderr}`);
      resolve(stdout);
    });
  });
}

/** Runs a command; returns its output, or fails the check naming `step`. */
function run(step: string, cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { cwd: project, env: cleanEnv, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 180_000, ...options });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) fail(step, `$ ${cmd} ${args.join(' ')}\n(exit ${r.status ?? r.signal})\n${out}`);
  return String(r.stdout ?? '');
}

// 1. build and pack
execFileSync(process.execPath, [join(REPO, 'scripts/build.ts')], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
// The build takes minutes on a loaded machine; a temp folder cleaned meanwhile (seen once in CI:
// ENOENT writing the first tarball) is made again rather than failing the check.
mkdirSync(project, { recursive: true });
mkdirSync(tarballs, { recursive: true });
const packages = workspacePackages().filter((p) => !p.json.private);
const packed = JSON.parse(
  run('npm pack', 'npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tarballs, ...packages.flatMap((p) => ['-w', p.json.name])], { cwd: REPO, env: { ...cleanEnv } }),
) as { name: string; filename: string; files: { path: string }[]; size: number }[];
say(`packed ${packed.length} packages: ${packed.map((p) => `${p.name} (${(p.size / 1024).toFixed(0)} kB, ${p.files.length} files)`).join(', ')}`);

// 2. tarball contents
for (const p of packed) {
  const paths = p.files.map((f) => f.path);
  const pkg = packages.find((w) => w.json.name === p.name)!;
  const problems: string[] = [];
  for (const need of ['package.json', 'README.md', 'LICENSE']) if (!paths.includes(need)) problems.push(`no ${need}`);
  const tests = paths.filter((f) => /\.test\.(t|j)s$|\.test\.d\.ts$/.test(f));
  if (tests.length) problems.push(`ships tests: ${tests.slice(0, 3).join(', ')}`);
  const sources = paths.filter((f) => f.startsWith('src/'));
  if (sources.length) problems.push(`ships sources: ${sources.slice(0, 3).join(', ')}`);
  for (const [sub, target] of Object.entries((pkg.json['exports'] ?? {}) as Record<string, unknown>)) {
    if (typeof target !== 'object' || target === null) continue;
    const t = target as Record<string, string>;
    for (const cond of ['types', 'import']) if (!paths.includes(t[cond]!.replace(/^\.\//, ''))) problems.push(`export ${sub} "${cond}" ${t[cond]} is not in the tarball`);
  }
  if (problems.length) fail(`tarball ${p.filename}`, problems.join('\n'));
}
say('tarballs hold dist (.js + .d.ts for every export), README.md and LICENSE; no tests, no sources');

// 3. a new project
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'rlmtree-consumer', private: true, type: 'module' }, null, 2));
const tsVersion = JSON.parse(readFileSync(join(REPO, 'node_modules/typescript/package.json'), 'utf8')).version as string;
const esbuildVersion = JSON.parse(readFileSync(join(REPO, 'node_modules/esbuild/package.json'), 'utf8')).version as string;
run('npm install', 'npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packed.map((p) => join(tarballs, p.filename)), `typescript@${tsVersion}`, '@types/node@22', `esbuild@${esbuildVersion}`]);
say(`installed the tarballs into ${project} with typescript@${tsVersion}, @types/node@22, esbuild@${esbuildVersion}`);

// 4. type-check and run the consumer file and the README examples
cpSync(join(REPO, 'scripts/consumer/consumer.ts'), join(project, 'consumer.ts'));
cpSync(join(REPO, 'scripts/consumer/tsconfig.json'), join(project, 'tsconfig.json'));
mkdirSync(join(project, 'examples'));
const examples = markdownFiles().flatMap(examplesOf).filter((e) => e.lang === 'ts' && e.flags.includes('example') && e.needs.length === 0);
examples.forEach((e, i) => writeFileSync(join(project, 'examples', `example-${i}.ts`), e.code));
// skipLibCheck is off so our .d.ts files are checked too. Errors in third-party declarations
// (e.g. @jupyterlab/services' need the DOM lib) are counted, not ours to fix, and do not fail.
const tsc = spawnSync(join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: project, env: cleanEnv, encoding: 'utf8', maxBuffer: 64 << 20 });
const tscErrors = tsc.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
const ours = tscErrors.filter((l) => !l.startsWith('node_modules/') || l.startsWith('node_modules/@rlmtree/'));
if (ours.length || (tsc.status !== 0 && tscErrors.length === 0)) fail('tsc --noEmit', ours.length ? ours.join('\n') : tsc.stdout + tsc.stderr);
const theirs = new Set(tscErrors.map((l) => /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(l)?.[1]).filter(Boolean));
say(`tsc --noEmit (strict, NodeNext, exactOptionalPropertyTypes, skipLibCheck false): consumer.ts, ${examples.length} README examples and the @rlmtree .d.ts files: 0 errors (${tscErrors.length} in third-party declarations ignored: ${[...theirs].join(', ') || 'none'})`);

const fakeReply = new ScriptedLLM(() => '```repl\ndone("answer from the fake model server")\n```');
const openai = await startFakeOpenAI({ reply: fakeReply });
const anthropic = await startFakeAnthropic({ reply: fakeReply });
Object.assign(cleanEnv, { OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'consumer-check', ANTHROPIC_BASE_URL: anthropic.baseURL, ANTHROPIC_API_KEY: 'consumer-check' });
try {
  const out = await runAsync('node consumer.ts', process.execPath, ['consumer.ts']);
  if (!/answer 3 tokens true/.test(out) || !/consumer ok/.test(out) || !/rlm from the fake server/.test(out)) fail('node consumer.ts', `unexpected output:\n${out}`);
  say('node consumer.ts: engine steps, trace + replay, viewer, file and SQLite checkpoints, OpenAIClient in an RLM: ok');
  for (const [i, e] of examples.entries()) {
    const exampleDir = mkdtempSync(join(work, 'example-'));
    const out2 = await runAsync(`README example ${exampleName(e)}`, process.execPath, [join(project, 'examples', `example-${i}.ts`)], exampleDir);
    const missing = missingExpectation(e, out2);
    if (missing !== undefined) fail(`README example ${exampleName(e)}`, `expected a line ${JSON.stringify(missing)} in:\n${out2}`);
    say(`ran ${exampleName(e)}: ok${e.expects.length ? ` (printed ${e.expects.map((x) => JSON.stringify(x)).join(', ')})` : ''}`);
  }
} finally {
  await openai.close();
  await anthropic.close();
}

// 5. bundled
run('esbuild', join(project, 'node_modules/.bin/esbuild'), ['consumer.ts', '--bundle', '--platform=node', '--format=esm', '--outfile=bundle/consumer.mjs', '--log-level=warning', '--external:esbuild', '--banner:js=import{createRequire as __cr}from"node:module";const require=__cr(import.meta.url);']);
const bundled = run('node bundle/consumer.mjs', process.execPath, ['bundle/consumer.mjs']);
if (!/consumer ok/.test(bundled)) fail('node bundle/consumer.mjs', bundled);
say('consumer.ts bundled by esbuild into one file runs (Python files found, atomic checkpoint writes)');

// 6. the command
const version = run('rlmtree --version', 'npx', ['--no-install', 'rlmtree', '--version']).trim();
if (version !== packages[0]!.json.version) fail('rlmtree --version', `printed ${JSON.stringify(version)}, packages are ${packages[0]!.json.version}`);
const help = run('rlmtree run --help', 'npx', ['--no-install', 'rlmtree', 'run', '--help']);
for (const word of ['subprocess', 'jupyter', 'docker', 'OPENAI_API_KEY']) if (!help.includes(word)) fail('rlmtree run --help', `does not mention ${word}:\n${help}`);
cpSync(join(REPO, 'examples/data/tinyshakespeare.txt'), join(project, 'tinyshakespeare.txt'));
cpSync(join(REPO, 'examples/speakers/policy.mjs'), join(project, 'policy.mjs'));
const answer = run('npx rlmtree run', 'npx', ['--no-install', 'rlmtree', 'run', 'Which speaker has the most speeches in this text, and how many?', '--context', 'tinyshakespeare.txt', '--model', 'scripted:policy.mjs', '--no-live']).trim();
const expected = topSpeaker(readFileSync(join(project, 'tinyshakespeare.txt'), 'utf8'));
if (answer !== `${expected.speaker} has the most speeches: ${expected.speeches}`) fail('npx rlmtree run', `answer ${JSON.stringify(answer)}, expected ${expected.speaker} ${expected.speeches}`);
say(`npx rlmtree --version: ${version}; run --help lists the runtimes; npx rlmtree run on the demo: "${answer}"`);

// 7. nothing points back into the repository
const scoped = join(project, 'node_modules/@rlmtree');
for (const name of readdirSync(scoped)) {
  const dir = join(scoped, name);
  if (lstatSync(dir).isSymbolicLink()) fail('no path back', `${dir} is a symbolic link`);
  const grep = spawnSync('grep', ['-rlF', REPO, dir], { encoding: 'utf8' });
  if (grep.stdout.trim()) fail('no path back', `files naming ${REPO}:\n${grep.stdout}`);
}
if (existsSync(join(project, 'node_modules/@rlmtree/core/src'))) fail('no path back', 'sources installed');
say(`no installed @rlmtree package is a link or names ${REPO}`);

if (!keep) rmSync(work, { recursive: true, force: true });
say(`passed in ${((Date.now() - started) / 1000).toFixed(0)} s${keep ? ` (kept ${work})` : ''}`);
