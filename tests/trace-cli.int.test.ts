/**
 * `rlmtree run --trace`, `replay` and `resume` end to end: a run SIGKILLed mid-way resumes from
 * its trace with no step lost or repeated (REPLs rebuilt from the record), and forks at a step.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace, replay, type RunEvent } from '@rlmtree/core';
import { runCli } from './helpers/cli.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'packages/cli/bin/rlmtree.js');
const MODEL = `scripted:${join(ROOT, 'tests/fixtures/slow-counter.mjs')}`;
const dir = mkdtempSync(join(tmpdir(), 'rlmtree-trace-cli-'));
const CONTEXT = join(dir, 'context.txt');
writeFileSync(CONTEXT, 'some text\n'.repeat(1000));

const cli = (args: string[]) => runCli(args);

const stepLines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('{"kind":"step"')).length : 0);
const replies = (events: RunEvent[], agent: string) => events.filter((e) => e.type === 'llm_replied' && e.agentId === agent).length;

describe('rlmtree run --trace / resume / replay', () => {
  it('SIGKILL mid-run, then resume finishes with no step lost or repeated', async () => {
    const trace = join(dir, 'killed.jsonl');
    const child = spawn(process.execPath, [BIN, 'run', 'count', '--context', CONTEXT, '--model', MODEL, '--trace', trace, '--no-live'], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Kill once the root is well into its cells (REPL variables defined) but before the end.
    const deadline = Date.now() + 30_000;
    while (stepLines(trace) < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    const killedAt = stepLines(trace);
    expect(killedAt).toBeGreaterThanOrEqual(7);
    expect((await readTrace(trace)).steps.length).toBeLessThan(17); // it was cut short

    const r = await cli(['resume', trace, '--no-live']);
    expect(r.stderr).toMatch(/resuming .* at step \d+/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('111');

    const done = await readTrace(trace);
    expect(done.warnings).toEqual([]);
    const states = replay(done); // throws if a step were repeated or missing
    expect(done.steps.map((s) => s.step)).toEqual(done.steps.map((_, i) => i + 1));
    expect(states.at(-1)!.nodes.root!.result).toBe(111);
    const events = done.steps.flatMap((s) => s.events);
    expect(replies(events, 'root')).toBe(7); // each model reply exactly once
    expect(replies(events, 'root.c')).toBe(3);
  });

  it('replay prints the tree at a step; resume --from forks into a new trace; bad traces are one-line errors', async () => {
    const trace = join(dir, 'full.jsonl');
    const first = await cli(['run', 'count', '--context', CONTEXT, '--model', MODEL, '--trace', trace, '--no-live']);
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toBe('111');
    const again = await cli(['run', 'count', '--context', CONTEXT, '--model', MODEL, '--trace', trace]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists already/);

    const at = await cli(['replay', trace, '--step', '12']);
    expect(at.code).toBe(0);
    expect(at.stdout).toMatch(/^── step 12 · 2 agents/);
    expect(at.stdout).toMatch(/root \[supervising\]/);
    expect(at.stdout).toMatch(/└── root\.c \[/);
    const all = await cli(['replay', trace]);
    expect(all.stdout.match(/^── step/gm)!.length).toBe((await readTrace(trace)).steps.length + 1);

    const fork = await cli(['resume', trace, '--from', '6', '--json']);
    expect(fork.code).toBe(0);
    expect(JSON.parse(fork.stdout).answer).toBe(111);
    const forkPath = join(dir, 'full.fork-6.jsonl');
    const forked = await readTrace(forkPath);
    expect(forked.header.forkedFrom).toMatchObject({ step: 6 });
    expect(replay(forked).at(-1)!.nodes.root!.result).toBe(111);

    writeFileSync(join(dir, 'bad.jsonl'), readFileSync(trace, 'utf8').replace('"kind":"step","step":3', '"kind":"step","step":4'));
    const bad = await cli(['replay', join(dir, 'bad.jsonl')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^rlmtree: trace .*bad\.jsonl, line \d+, chain: does not follow line \d+: the line was edited/);
  });
});
