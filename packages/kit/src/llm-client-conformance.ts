/**
 * The LLM-client conformance suite: what every `LLMClient` (a model provider) must do the same
 * way — reply text, usage, streaming, abort (before and during a call), concurrent calls kept
 * apart, structured output (a request's `responseFormat` reaches the model, or the client refuses
 * it with kind `unsupported`), and, for clients that talk to a server, error kinds and retries. A provider's test
 * calls `describeLLMClientConformance` with a factory that builds the client around the suite's
 * model: a real-SDK client points at a fake server answering with it (`startFakeOpenAI` /
 * `startFakeAnthropic`, or your own over `startFakeHttp`); an in-process client wraps it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LLMError, type CompletionRequest, type LLMClient } from '@rlmtree/core';

/** What the client under test can do; the suite skips what it cannot. */
export interface LLMClientCapabilities {
  /** With `onToken`, a long reply arrives in more than one fragment. */
  streams: boolean;
  /**
   * It talks to a transport that can fail: `fail` queues faults, `requests` counts what reached
   * it, and the client retries a 429 or 5xx at least twice by itself before giving up.
   */
  faults: boolean;
  /**
   * It sends a request's `responseFormat` (structured output) to its model. Default true; a client
   * that cannot must reject such a request with an `LLMError` of kind `unsupported` rather than
   * return text no schema asked for, and the suite checks that instead.
   */
  structured?: boolean;
}

/** One canned failure of the transport, for one request. */
export type LLMFault =
  /** An HTTP status with the provider's error body and a short retry-after, e.g. 400, 429, 500. */
  | { status: number }
  /** A 200 reply whose body is not in the provider's shape (no choices, no content). */
  | { malformed: true };

/** A client built for the suite, and the handles the suite drives it with. */
export interface LLMClientUnderTest {
  /** The client under test. */
  client: LLMClient;
  /** See `LLMClientCapabilities`. */
  capabilities: LLMClientCapabilities;
  /** Replaces the queued faults; each request takes the next one before normal replies resume. */
  fail?(faults: LLMFault[]): void;
  /** Requests the transport received since the start (retries included). */
  requests?(): number;
  /** Stops what `make` started (a fake server). */
  close?(): Promise<void>;
}

/**
 * The suite's model: the reply the client under test must deliver for a request. `echo: <last
 * message>`; `long` gives 400 characters; `slow` answers only after 30 s (to be aborted); a request
 * with a `responseFormat` gets `{"echo": "<last message>"}` as JSON, and its schema is kept in
 * `schemasSeen` for the structured-output case.
 */
async function suiteModel(request: Pick<CompletionRequest, 'messages' | 'responseFormat'>, schemasSeen: unknown[]): Promise<string> {
  const last = request.messages[request.messages.length - 1]?.content ?? '';
  if (request.responseFormat) {
    schemasSeen.push(request.responseFormat.schema);
    return JSON.stringify({ echo: last });
  }
  if (last === 'long') return 'the quick brown fox jumps over the lazy dog. '.repeat(9).slice(0, 400);
  if (last === 'slow') await new Promise((resolve) => setTimeout(resolve, 30_000).unref());
  return `echo: ${last}`;
}

const ask = (content: string, extra: Partial<CompletionRequest> = {}): CompletionRequest => ({
  messages: [
    { role: 'system', content: 'You are under test.' },
    { role: 'user', content },
  ],
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<LLMError> {
  const err = await p.then(
    () => new Error('the call resolved; it should have rejected'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LLMError);
  return err as LLMError;
}

/**
 * Declares the suite for one client.
 * @param name shown in test names
 * @param make builds the client around `model` (the function giving each request's reply); called once
 */
export function describeLLMClientConformance(name: string, make: (model: (request: CompletionRequest) => Promise<string>) => Promise<LLMClientUnderTest> | LLMClientUnderTest): void {
  describe(`LLM client conformance: ${name}`, () => {
    let t: LLMClientUnderTest;
    const schemasSeen: unknown[] = [];
    beforeAll(async () => {
      t = await make((request) => suiteModel(request, schemasSeen));
    });
    afterAll(async () => {
      await t?.close?.();
    });
    beforeEach(() => t.fail?.([]));

    it('answers with the reply text and has a name', async () => {
      const reply = await t.client.complete(ask('hello'));
      expect(reply.text).toBe('echo: hello');
      expect(typeof t.client.name === 'string' && t.client.name.length > 0).toBe(true);
    });

    it('reports usage: tokens that grow with prompt and reply, one call, a cost that is not negative', async () => {
      const short = (await t.client.complete(ask('hi'))).usage;
      const longPrompt = (await t.client.complete(ask('word '.repeat(800)))).usage;
      const longReply = (await t.client.complete(ask('long'))).usage;
      for (const u of [short, longPrompt, longReply]) {
        expect(u.llmCalls).toBe(1);
        expect(u.inputTokens).toBeGreaterThan(0);
        expect(u.outputTokens).toBeGreaterThan(0);
        expect(u.cachedTokens).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(u.costUsd) && u.costUsd >= 0).toBe(true);
      }
      expect(longPrompt.inputTokens).toBeGreaterThan(short.inputTokens + 100);
      expect(longReply.outputTokens).toBeGreaterThan(short.outputTokens + 20);
    });

    it('streams: the fragments join to the whole reply', async () => {
      const fragments: string[] = [];
      const reply = await t.client.complete(ask('long', { onToken: (f) => fragments.push(f) }));
      expect(reply.text).toHaveLength(400);
      expect(fragments.join('')).toBe(reply.text);
      if (t.capabilities.streams) expect(fragments.length).toBeGreaterThan(1);
    });

    it('rejects an already aborted call with kind aborted', async () => {
      const err = await failure(t.client.complete(ask('hello', { signal: AbortSignal.abort() })));
      expect(err.kind).toBe('aborted');
    });

    it('aborts a call in flight promptly with kind aborted', async () => {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 100);
      const err = await failure(t.client.complete(ask('slow', { signal: controller.signal })));
      expect(err.kind).toBe('aborted');
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('keeps concurrent calls apart', async () => {
      const prompts = ['a', 'b', 'c', 'd', 'e', 'f'];
      const replies = await Promise.all(prompts.map((p) => t.client.complete(ask(p))));
      expect(replies.map((r) => r.text)).toEqual(prompts.map((p) => `echo: ${p}`));
    });

    it('sends a responseFormat to the model (its JSON Schema unchanged), or refuses it with kind unsupported', async () => {
      const schema = { type: 'object', properties: { echo: { type: 'string' } }, required: ['echo'], additionalProperties: false };
      const request = ask('hello', { responseFormat: { type: 'json_schema', name: 'echo', schema, strict: true } });
      if (t.capabilities.structured === false) {
        expect((await failure(t.client.complete(request))).kind).toBe('unsupported');
        return;
      }
      const before = schemasSeen.length;
      const reply = await t.client.complete(request);
      expect(JSON.parse(reply.text)).toEqual({ echo: 'hello' });
      expect(schemasSeen.slice(before)).toEqual([schema]);
    });

    describe('over a transport that fails', () => {
      const faulty = () => !t.capabilities.faults;

      it('names a client error as kind http with its status, naming the client, without retrying it', async ({ skip }) => {
        if (faulty()) skip();
        t.fail!([{ status: 400 }]);
        const before = t.requests!();
        const err = await failure(t.client.complete(ask('hello')));
        expect(err.kind).toBe('http');
        expect(err.status).toBe(400);
        expect(err.message).toContain(t.client.name!);
        expect(t.requests!() - before).toBe(1);
      });

      it('retries a 429 and a 500, then answers', async ({ skip }) => {
        if (faulty()) skip();
        t.fail!([{ status: 429 }, { status: 500 }]);
        const before = t.requests!();
        const reply = await t.client.complete(ask('again'));
        expect(reply.text).toBe('echo: again');
        expect(t.requests!() - before).toBe(3);
      });

      it('gives up after its retries with kind http and the last status', async ({ skip }) => {
        if (faulty()) skip();
        t.fail!(Array.from({ length: 20 }, () => ({ status: 503 })));
        const before = t.requests!();
        const err = await failure(t.client.complete(ask('hello')));
        expect(err.kind).toBe('http');
        expect(err.status).toBe(503);
        const sent = t.requests!() - before;
        expect(sent).toBeGreaterThan(1);
        expect(sent).toBeLessThan(20);
      });

      it('names a reply in the wrong shape as kind malformed', async ({ skip }) => {
        if (faulty()) skip();
        t.fail!([{ malformed: true }]);
        const err = await failure(t.client.complete(ask('hello')));
        expect(err.kind).toBe('malformed');
      });
    });
  });
}
