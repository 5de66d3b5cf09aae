/**
 * `rlmtree view` end to end: the demo run recorded with --trace becomes one HTML file holding
 * every step of that trace and nothing fetched from elsewhere; bad input is a one-line error.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace, replay } from '@rlmtree/core';
import type { ViewerData } from '@rlmtree/viewer';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'rlmtree-view-cli-'));

const cli = (args: string[]) => runCli(args);

describe('rlmtree view', () => {
  it('writes a self-contained page with every step of the trace', async () => {
    const trace = join(dir, 'demo.jsonl');
    const run = await cli(['run', 'Which speaker has the most speeches in this text, and how many?', '--context', 'examples/data/tinyshakespeare.txt', '--model', 'scripted:examples/speakers/policy.mjs', '--trace', trace, '--no-live']);
    expect(run.code).toBe(0);
    const view = await cli(['view', trace]);
    expect(view.code).toBe(0);
    const out = join(dir, 'demo.html');
    expect(view.stderr).toContain(`wrote ${out}`);
    const html = readFileSync(out, 'utf8');
    // Nothing loaded from elsewhere: no external scripts, styles or links.
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    const json = html.match(/<script type="application\/json" id="rlmtree-data">(.*?)<\/script>/s)![1]!;
    const data = JSON.parse(json) as ViewerData;
    const states = replay(await readTrace(trace));
    expect(data.steps).toHaveLength(states.length - 1);
    expect(data.runId).toBe(states[0]!.runId);
    expect(json).toContain(JSON.stringify(states.at(-1)!.nodes.root!.result));

    const custom = join(dir, 'custom.html');
    expect((await cli(['view', trace, '-o', custom])).code).toBe(0);
    expect(readFileSync(custom, 'utf8')).toBe(html);
  });

  it('a missing or malformed trace is a one-line error, exit 1', async () => {
    const missing = await cli(['view', join(dir, 'nope.jsonl')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('nope.jsonl');
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"not":"a trace"}\n');
    const malformed = await cli(['view', bad]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/bad\.jsonl/);
  });
});
