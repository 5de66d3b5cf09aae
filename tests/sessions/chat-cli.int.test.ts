/**
 * `rlmtree chat` with piped input: a seeded history is in HISTORY, a session reopened with
 * `--resume` goes on with its REPL rebuilt, and bad input is a one-line error that leaves files
 * as they were (a history file that is not a list of messages, a damaged trace).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrace, replay, ScriptedLLM, Session } from '@rlmtree/core';
import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { ROOT, runCli } from '../helpers/cli.ts';
import type { ScriptFunction } from '@rlmtree/core';

const POLICY = `scripted:${join(ROOT, 'tests/fixtures/chat-policy.mjs')}`;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rlmtree-chat-cli-'));
  await writeFile(join(dir, 'ctx.txt'), 'one two three\n');
  await writeFile(join(dir, 'history.json'), JSON.stringify([{ role: 'user', content: 'earlier question' }, { role: 'assistant', content: 'earlier answer' }]));
  await writeFile(join(dir, 'bad-history.json'), JSON.stringify([{ role: 'user', content: 'ok' }, { role: 'tool', content: 'no' }]));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('rlmtree chat (piped input)', () => {
  it('seeds the conversation from --history, records a trace, and --resume goes on from it with the REPL rebuilt', async () => {
    const trace = join(dir, 's.jsonl');
    const first = await runCli(['chat', '--context', join(dir, 'ctx.txt'), '--model', POLICY, '--history', join(dir, 'history.json'), '--trace', trace, '--no-live'], { input: 'load\ncount\n' });
    expect(first.code).toBe(0);
    // HISTORY before turn 1: the system prompt, the two seeded messages, turn 0's query and reply.
    expect(first.stdout).toContain('loaded 3 words');
    expect(first.stdout).toContain('still 3 words after 2 turns; history has 5 messages');
    const again = await runCli(['chat', '--resume', trace, '--no-live'], { input: 'count\n' });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/reopened .*s\.jsonl .*2 turns/);
    expect(again.stdout).toContain('still 3 words after 3 turns; history has 7 messages');
    const root = replay(await readTrace(trace)).at(-1)!.nodes.root!;
    expect(root.turns!.map((t) => t.query)).toEqual(['load', 'count', 'count']);
    expect(root.messages.slice(1, 3).map((m) => m.content)).toEqual(['earlier question', 'earlier answer']);
  });

  it('refuses a history file that is not a list of user/assistant messages, naming the entry', async () => {
    const r = await runCli(['chat', '--model', POLICY, '--history', join(dir, 'bad-history.json')], { input: 'load\n' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^rlmtree: history .*bad-history\.json: entry 1\.role: /);
  });

  it('refuses a damaged trace on --resume with a named error and leaves the file as it was', async () => {
    // A two-turn session recorded by the library, as chat records one (model and runtime in the header).
    const trace = join(dir, 'd.jsonl');
    const runtime = new SubprocessRuntime();
    const { default: reply } = (await import('../fixtures/chat-policy.mjs' as string)) as { default: ScriptFunction };
    const session = Session.create({ llm: new ScriptedLLM(reply), runtime, context: 'a b', trace, traceOptions: { config: { model: POLICY, runtime: 'subprocess' } } });
    await session.send('load');
    await session.send('count');
    await session.close();
    await runtime.close();
    const lines = (await readFile(trace, 'utf8')).split('\n');
    const at = lines.findIndex((l, i) => i > 0 && l.includes('"kind":"step"'));
    lines[at] = lines[at]!.replace('"kind":"step"', '"kind":"stop"');
    const damaged = lines.join('\n');
    await writeFile(trace, damaged);
    const r = await runCli(['chat', '--resume', trace], { input: 'count\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`line ${at + 1}`);
    expect(await readFile(trace, 'utf8')).toBe(damaged);
  });
});
