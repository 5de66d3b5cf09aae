// Where the CLI finds plugins: the project's package.json, $RLMTREE_PLUGINS, --plugin.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlugins, projectPlugins, registry } from './plugins.ts';

const ROOT = join(import.meta.dirname, '../../..');
const project = (pkg: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'rlmtree-plugins-'));
  writeFileSync(join(dir, 'package.json'), pkg);
  return dir;
};

describe('CLI plugins', () => {
  it("loads the plugins a project's package.json names, relative to that project", async () => {
    const dir = project(JSON.stringify({ name: 'p', rlmtree: { plugins: [join(ROOT, 'examples/extend/provider-echo/src/plugin.ts')] } }));
    expect(registry.providerPrefixes()).not.toContain('echo');
    await loadPlugins([], '', dir);
    expect(registry.providerPrefixes()).toContain('echo');
    const client = await registry.provider('echo:> ');
    expect((await client.complete({ messages: [{ role: 'user', content: 'hi' }] })).text).toBe('> hi');
  });

  it('reads no plugins from a project without the field, and names a malformed one', () => {
    expect(projectPlugins(project('{"name": "p"}'))).toEqual([]);
    expect(projectPlugins(join(tmpdir(), 'no-such-project-here'))).toEqual([]);
    expect(() => projectPlugins(project('{"rlmtree": {"plugins": "x"}}'))).toThrow('package.json: rlmtree.plugins must be a list of module names or paths');
    expect(() => projectPlugins(project('{oops'))).toThrow(/package.json: not valid JSON/);
  });

  it('names a runtime or provider nobody registered, listing the known ones', async () => {
    await expect(registry.runtime('nope=1')).rejects.toThrow(/unknown runtime "nope" \(runtimes: subprocess, docker, jupyter, pyodide/);
    await expect(registry.provider('gpt5')).rejects.toThrow(/model spec "gpt5" is not <provider>:<model> \(providers: .*scripted, openai, anthropic/);
  });
});
