/**
 * Bounded model calls through the real `openai` SDK against a local fake server: a server that
 * accepts and never answers ends the run after `--model-timeout` per attempt (on main before,
 * 600 s x 3 attempts, no flag), and `rlmtree resume --retry-failed` calls the model again for an
 * agent that ended on a model error (on main before: "already finished").
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrace, replay, ScriptedLLM } from '@rlmtree/core';
import { startFakeOpenAI, type FakeOpenAIServer } from '@rlmtree/openai/testing';
import { runCli } from './helpers/cli.ts';

const repl = (code: string) => '```repl\n' + code + '\n```';
const dir = mkdtempSync(join(tmpdir(), 'rlmtree-model-calls-'));
const CONTEXT = join(dir, 'context.txt');
writeFileSync(CONTEXT, 'some text\n'.repeat(100));

let broken = false;
let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAI({
    reply: new ScriptedLLM((_req, { turn }) => {
      if (turn === 1 && broken) throw new Error('the provider is down');
      return [repl('total = 5'), repl('done(total + 1)')][turn] ?? 'no more';
    }),
  });
});
afterAll(() => server.close());

const cli = (args: string[]) => {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENAI_BASE_URL: server.baseURL };
  delete env.OPENAI_API_KEY;
  return runCli(args, { env });
};

describe('bounded model calls', () => {
  it('--model-timeout ends a call to a server that never answers after the timeout per attempt', async () => {
    server.faults.push({ delayMs: 120_000 }, { delayMs: 120_000 }, { delayMs: 120_000 });
    const before = server.requests.length;
    const started = Date.now();
    const r = await cli(['run', 'q', '--context', CONTEXT, '--model', 'openai:m', '--model-timeout', '0.5', '--no-live']);
    const took = Date.now() - started;
    server.faults.length = 0;
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the run ended without an answer: llm_error: openai:m: the request timed out/);
    expect(server.requests.length - before).toBe(3); // one attempt and the SDK's two retries
    expect(took).toBeLessThan(30_000);
    const bad = await cli(['run', 'q', '--context', CONTEXT, '--model', 'openai:m', '--model-timeout', 'soon']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--model-timeout takes a number of seconds > 0, got "soon"/);
  });

  it('resume --retry-failed calls the model again for a root that ended on a model error; its REPL is rebuilt', async () => {
    const trace = join(dir, 'failed.jsonl');
    broken = true;
    const first = await cli(['run', 'q', '--context', CONTEXT, '--model', 'openai:m', '--trace', trace, '--no-live']);
    expect(first.code).toBe(3);
    expect(first.stderr).toMatch(/llm_error: openai:m: .*the provider is down/);
    const plain = await cli(['resume', trace, '--no-live']);
    expect(plain.code).toBe(3);
    expect(plain.stderr).toMatch(/already finished .*--retry-failed calls the model again/);

    broken = false;
    const again = await cli(['resume', trace, '--retry-failed', '--no-live']);
    expect(again.stderr).toMatch(/retrying root \(ended on a model error\)/);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('6'); // total = 5 from before the failure: the REPL was rebuilt
    const done = await readTrace(trace);
    expect(done.warnings).toEqual([]);
    const states = replay(done);
    expect(states.at(-1)!.nodes.root!.result).toBe(6);
    expect(done.steps.flatMap((s) => s.events).some((e) => e.type === 'intervened' && e.action === 'retry')).toBe(true);
  });
});
