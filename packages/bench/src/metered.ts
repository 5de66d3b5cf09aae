/**
 * `MeteredLLM`: wraps the root model to measure what the paper is about, the size of the prompt
 * the root model is sent, and to split the root's own usage from its sub-calls'.
 */
import { addUsage, zeroUsage, type Completion, type CompletionRequest, type LLMClient, type Usage } from '@rlmtree/core';

/** Passes every call through to `inner` and records prompt sizes and usage. */
export class MeteredLLM implements LLMClient {
  readonly name?: string;
  /** Largest prompt sent in one call, in characters (all messages' contents). */
  maxPromptChars = 0;
  /** Usage of the calls made through this wrapper (tokens, USD, calls). */
  usage: Usage = zeroUsage();

  private readonly inner: LLMClient;

  /** @param inner the model being measured. */
  constructor(inner: LLMClient) {
    this.inner = inner;
    if (inner.name !== undefined) this.name = inner.name;
  }

  /** Forwards to the wrapped model; rejects as it does. */
  async complete(request: CompletionRequest): Promise<Completion> {
    const chars = request.messages.reduce((n, m) => n + m.content.length, 0);
    this.maxPromptChars = Math.max(this.maxPromptChars, chars);
    const reply = await this.inner.complete(request);
    this.usage = addUsage(this.usage, reply.usage);
    return reply;
  }
}
