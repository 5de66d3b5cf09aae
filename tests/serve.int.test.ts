/**
 * `rlmtree serve` as a real process, driven by the real `openai` SDK: an app that speaks the
 * OpenAI API uses an RLM as its model by changing its base URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topSpeaker } from './speakers.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'packages/cli/bin/rlmtree.js');
const CORPUS = join(ROOT, 'examples/data/tinyshakespeare.txt');
const POLICY = join(ROOT, 'examples/speakers/policy.mjs');
const QUERY = 'Which speaker has the most speeches in this text, and how many?';
const TOKEN = 'serve-test-token';

let child: ChildProcess;
let baseURL: string;
let stderr = '';

beforeAll(async () => {
  child = spawn(process.execPath, [BIN, 'serve', '--model', `scripted:${POLICY}`, '--port', '0', '--token', TOKEN, '--served-model-name', 'rlm-speakers'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  baseURL = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)));
  });
});
afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
});

const client = (apiKey = TOKEN) => new OpenAI({ baseURL, apiKey, maxRetries: 0 });

describe('rlmtree serve', () => {
  it('listens on loopback by default and lists the served model', async () => {
    expect(baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toEqual(['rlm-speakers']);
  });

  it('answers a completion with an RLM run over the conversation, with the tree usage', async () => {
    const corpus = await readFile(CORPUS, 'utf8');
    const expected = topSpeaker(corpus);
    const res = await client().chat.completions.create({
      model: 'rlm-speakers',
      messages: [
        { role: 'system', content: corpus },
        { role: 'user', content: QUERY },
      ],
    });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]!.message.content).toBe(`${expected.speaker} has the most speeches: ${expected.speeches}`);
    expect(res.choices[0]!.finish_reason).toBe('stop');
    // Six model calls in the tree (root twice, four children), all reported.
    expect((res.usage as unknown as { llm_calls: number }).llm_calls).toBe(6);
    expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
  });

  it('streams a completion as SSE chunks the SDK reads, with usage at the end', async () => {
    const corpus = await readFile(CORPUS, 'utf8');
    const stream = await client().chat.completions.create({
      model: 'rlm-speakers',
      messages: [
        { role: 'system', content: corpus },
        { role: 'user', content: QUERY },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(`${topSpeaker(corpus).speaker} has the most speeches: ${topSpeaker(corpus).speeches}`);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('answers bad requests with OpenAI-style error bodies and statuses', async () => {
    const noMessages = await client().chat.completions.create({ model: 'rlm-speakers', messages: [] }).catch((e: unknown) => e);
    expect(noMessages).toBeInstanceOf(OpenAI.BadRequestError);
    expect(noMessages).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'messages' });

    const unknownModel = await client().chat.completions.create({ model: 'gpt-nope', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(unknownModel).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknownModel).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });

    const noUser = await client().chat.completions.create({ model: 'rlm-speakers', messages: [{ role: 'system', content: 'x' }] }).catch((e: unknown) => e);
    expect(noUser).toMatchObject({ status: 400, type: 'invalid_request_error' });

    const badToken = await client('wrong').models.list().catch((e: unknown) => e);
    expect(badToken).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(badToken).toMatchObject({ status: 401, code: 'invalid_api_key' });

    const notJson = await fetch(`${baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('a run that ends without an answer is a 500 with the structured reason', async () => {
    // The policy has no rule for this query, so the scripted model fails and the root ends with llm_error.
    const err = await client().chat.completions.create({ model: 'rlm-speakers', messages: [{ role: 'user', content: 'unscripted question' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as Error).message).toMatch(/ended without an answer: llm_error/);
    // The server is still up.
    await expect(client().models.list()).resolves.toBeTruthy();
  });
});
