/**
 * `--tools` from the command line on real text: `rlmtree run --tools examples/tools` and
 * `rlmtree serve --tools examples/tools` answer the main job with host tools the model calls from
 * Python; each call and its answer is in the trace, and in the viewer's page.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrace, replay } from '@rlmtree/core';
import { runCli } from '../helpers/cli.ts';
import { startServeProcess } from '../helpers/serve.ts';
import { topSpeaker } from '../speakers.ts';

const CORPUS = 'examples/data/tinyshakespeare.txt';
const QUERY = 'Which speaker has the most speeches in this text, and how many?';
const dir = mkdtempSync(join(tmpdir(), 'rlmtree-tools-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const top = topSpeaker(readFileSync(CORPUS, 'utf8'));

describe('--tools', () => {
  it('run: the model calls the typed tools from Python; calls and answers are in the trace and the viewer', async () => {
    const trace = join(dir, 'run.jsonl');
    const r = await runCli(['run', QUERY, '-c', CORPUS, '-m', 'scripted:examples/tools/_policy.mjs', '--tools', 'examples/tools', '--no-live', '--trace', trace]);
    expect(r.stderr).not.toMatch(/rlmtree: /);
    expect(r.stdout.trim()).toBe(`${top.speaker} has the most speeches: ${top.speeches}`);
    const loaded = await readTrace(trace);
    expect(loaded.header.initial.tools.map((t) => t.signature)).toEqual(['count_speeches(text: str) -> dict', 'top_speakers(counts: dict, n: int = 3) -> list[list[str | float]]']);
    const root = replay(loaded).at(-1)!.nodes.root!;
    expect(root.cells[0]!.output).toContain('count_speeches(text: str) -> dict'); // help() shows the real def
    const calls = root.cells[1]!.calls;
    expect(calls.filter((c) => c.name === 'tool').map((c) => (c.args as { tool: string }).tool)).toEqual(['count_speeches', 'count_speeches', 'count_speeches', 'count_speeches', 'top_speakers']);
    expect(calls.at(-1)!.answer).toMatchObject({ ok: true, value: [[top.speaker, top.speeches], expect.anything(), expect.anything()] });
    const view = await runCli(['view', trace, '-o', join(dir, 'run.html')]);
    expect(view.code).toBe(0);
    const html = readFileSync(join(dir, 'run.html'), 'utf8');
    expect(html).toContain('top_speakers');
    expect(html).toMatch(new RegExp(`\\[\\[\\\\*"${top.speaker}\\\\*",${top.speeches}\\]`));

    // resume --from forks the run: it must be given the tools the trace records
    const bare = await runCli(['resume', trace, '--from', '3', '--trace', join(dir, 'fork-a.jsonl'), '--no-live']);
    expect(bare.stderr).toMatch(/was recorded with the tools count_speeches, top_speakers; pass --tools/);
    const fork = await runCli(['resume', trace, '--from', '3', '--trace', join(dir, 'fork-b.jsonl'), '--tools', 'examples/tools', '--no-live']);
    expect(fork.stdout.trim()).toBe(`${top.speaker} has the most speeches: ${top.speeches}`);
  });

  it('serve: requests get agents with the tools; the trace of each request holds the calls', async () => {
    const traces = join(dir, 'serve');
    const serve = await startServeProcess(['--model', 'scripted:examples/tools/_policy.mjs', '--tools', 'examples/tools', '--trace-dir', traces, '--no-log']);
    try {
      const res = await fetch(`${serve.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'rlmtree', messages: [{ role: 'system', content: readFileSync(CORPUS, 'utf8') }, { role: 'user', content: QUERY }] }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { choices: { message: { content: string } }[] };
      expect(body.choices[0]!.message.content).toBe(`${top.speaker} has the most speeches: ${top.speeches}`);
    } finally {
      await serve.stop();
    }
    const [file] = readdirSync(traces).filter((f) => f.endsWith('.jsonl'));
    const final = replay(await readTrace(join(traces, file!))).at(-1)!;
    expect(final.nodes.root!.cells.flatMap((c) => c.calls).filter((c) => c.name === 'tool')).toHaveLength(5);
  });

  it('names a tools module that exports no tools, and two tools of one name', async () => {
    const r = await runCli(['run', 'q', '-c', CORPUS, '-m', 'scripted:examples/tools/_policy.mjs', '--tools', 'examples/tools/_policy.mjs']);
    expect(r.stderr).toMatch(/--tools examples\/tools\/_policy\.mjs: it exports no tools/);
    const twice = await runCli(['run', 'q', '-c', CORPUS, '-m', 'scripted:examples/tools/_policy.mjs', '--tools', 'examples/tools', '--tools', 'examples/tools/plays.ts']);
    expect(twice.stderr).toMatch(/--tools: two tools named count_speeches/);
  });
});

describe('chat --tools', () => {
  it('a chat turn calls the tools; reopening the trace without them is refused, naming them', async () => {
    const trace = join(dir, 'chat.jsonl');
    const first = await runCli(['chat', '-c', CORPUS, '-m', 'scripted:examples/tools/_policy.mjs', '--tools', 'examples/tools', '--trace', trace, '--no-live'], { input: `${QUERY}\n` });
    expect(first.stdout).toContain(`${top.speaker} has the most speeches: ${top.speeches}`);
    const calls = replay(await readTrace(trace)).at(-1)!.nodes.root!.cells.flatMap((c) => c.calls).filter((c) => c.name === 'tool');
    expect(calls).toHaveLength(5);
    const without = await runCli(['chat', '--resume', trace, '--no-live'], { input: '' });
    expect(without.stderr).toMatch(/was recorded with the tools count_speeches, top_speakers; pass --tools/);
  });
});
