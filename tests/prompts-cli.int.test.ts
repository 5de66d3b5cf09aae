/** `rlmtree run --system-prompt file` / `--prompt variant`: the prompt is run config, recorded in the trace header and state. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROMPT_VERSION, readTrace } from '@rlmtree/core';
import { runCli } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'rlmtree-prompts-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('rlmtree run --system-prompt', () => {
  it('prompts with the template, records it and the prompt version in the trace', async () => {
    const template = file('audit.txt', 'You audit plays. Depth {{depth}}.\n\n{{api}}\n\n{{rules}}');
    const script = file('s.json', JSON.stringify(['```repl\ndone(len(CONTEXT))\n```']));
    const trace = join(dir, 't.jsonl');
    const r = await runCli(['run', 'size?', '-c', 'examples/data/tinyshakespeare.txt', '-m', `scripted:${script}`, '--system-prompt', template, '--prompt', 'compat', '--no-live', '--trace', trace]);
    expect(r.stderr).not.toMatch(/rlmtree: /);
    expect(r.stdout.trim()).toBe('1115394');
    const { header } = await readTrace(trace);
    expect(header.promptVersion).toBe(PROMPT_VERSION);
    expect(header.initial.prompt).toMatchObject({ version: PROMPT_VERSION, variant: 'compat', template: expect.stringContaining('You audit plays') });
    const system = header.initial.nodes.root!.messages[0]!.content;
    expect(system).toMatch(/^You audit plays\. Depth 0\.\n\n- context \(also CONTEXT\): the input\./);
  });

  it('names an unknown slot and an unknown variant', async () => {
    const bad = await runCli(['run', 'q', '-c', 'examples/data/tinyshakespeare.txt', '-m', 'scripted:x.json', '--system-prompt', file('bad.txt', 'Hi {{contxt}}'), '--prompt', 'terse']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--prompt: unknown variant "terse"; the variants are default, minimal, cost-warning, compat/);
    const slot = await runCli(['run', 'q', '-c', 'examples/data/tinyshakespeare.txt', '-m', 'scripted:x.json', '--system-prompt', join(dir, 'bad.txt')]);
    expect(slot.stderr).toMatch(/--system-prompt .*bad\.txt: prompt\.template: unknown slot \{\{contxt\}\}/);
  });
});
