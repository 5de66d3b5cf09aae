/**
 * Plugins end to end: the example runtime and provider under examples/extend/ join the `rlmtree`
 * command through `--plugin` and `$RLMTREE_PLUGINS` without any edit of the CLI, and a bad
 * plugin is one clear line.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topSpeaker } from './speakers.ts';
import { ROOT, runCli } from './helpers/cli.ts';

const CORPUS = join(ROOT, 'examples/data/tinyshakespeare.txt');
const POLICY = join(ROOT, 'examples/speakers/policy.mjs');
const QUERY = 'Which speaker has the most speeches in this text, and how many?';
const AUDIT = 'examples/extend/runtime-audit/src/plugin.ts';
const ECHO = 'examples/extend/provider-echo/src/plugin.ts';

describe('rlmtree plugins', () => {
  it('runs the main job on a runtime from --plugin, which saw every cell', async () => {
    const log = join(await mkdtemp(join(tmpdir(), 'rlmtree-plugin-')), 'audit.jsonl');
    const r = await runCli(['run', QUERY, '--context', CORPUS, '--model', `scripted:${POLICY}`, '--plugin', `./${AUDIT}`, '--runtime', `audit=${log}`]);
    const expected = topSpeaker(await readFile(CORPUS, 'utf8'));
    expect(r.stderr).not.toMatch(/rlmtree: /);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${expected.speaker} has the most speeches: ${expected.speeches}`);
    const entries = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { agentId: string; status: string });
    expect(entries.some((e) => e.agentId === 'root' && e.status === 'suspended')).toBe(true);
    expect(entries.some((e) => e.agentId.startsWith('root.part_'))).toBe(true);
  });

  it('takes a provider from $RLMTREE_PLUGINS', async () => {
    const r = await runCli(['run', 'what is here?', '--context', CORPUS, '--model', 'echo:ECHO ', '--max-iterations', '1', '--json'], { env: { ...process.env, RLMTREE_PLUGINS: `./${ECHO}` } });
    // The echo model writes no code and never calls done(): the run ends at its iteration limit,
    // after one call answered by the plugin's client.
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).usage.llmCalls).toBe(1);
    expect(r.stderr).toMatch(/iteration_limit/);
  });

  it('names a plugin that cannot load, or is not a plugin, in one line', async () => {
    const missing = await runCli(['run', 'q', '--context', CORPUS, '--model', `scripted:${POLICY}`, '--plugin', './no/such-plugin.ts']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^rlmtree: plugin \.\/no\/such-plugin\.ts: cannot load: /);
    const notPlugin = await runCli(['run', 'q', '--context', CORPUS, '--model', `scripted:${POLICY}`, '--plugin', './tests/speakers.ts']);
    expect(notPlugin.code).toBe(1);
    expect(notPlugin.stderr.trim()).toBe('rlmtree: plugin ./tests/speakers.ts: its default export is not an rlmtree plugin ({ name, runtimes?, providers? })');
    const unknown = await runCli(['run', 'q', '--context', CORPUS, '--model', `scripted:${POLICY}`, '--runtime', 'nope']);
    expect(unknown.stderr.trim()).toMatch(/\nrlmtree: unknown runtime "nope" \(runtimes: subprocess, docker, jupyter, pyodide; more come from plugins/);
  });
});
