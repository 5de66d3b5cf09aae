/**
 * `EchoClient`: a provider that answers every request by echoing its last message behind a
 * fixed prefix, built on core's `ScriptedLLM` (which brings usage estimates, abort and the
 * `LLMError` kinds). The shape of a real provider client: a `name`, `complete()` that honours
 * `signal` and `onToken`, usage on every reply, failures as `LLMError`.
 */
import { ScriptedLLM, type Completion, type CompletionRequest, type LLMClient, type ScriptFunction } from '@rlmtree/core';

/** See the file comment. */
export class EchoClient implements LLMClient {
  readonly name: string;
  private readonly inner: ScriptedLLM;

  /**
   * @param prefix put before the echoed text
   * @param reply overrides the reply (tests drive the client with the kit's model this way)
   */
  constructor(prefix = 'echo: ', reply?: ScriptFunction) {
    this.name = `echo:${prefix}`;
    this.inner = new ScriptedLLM(reply ?? ((req) => `${prefix}${req.messages.at(-1)?.content ?? ''}`), { name: this.name });
  }

  /** The echo. @throws LLMError kind `aborted` when `request.signal` aborts. */
  async complete(request: CompletionRequest): Promise<Completion> {
    return this.inner.complete(request);
  }
}
