/**
 * `rlmtree serve --postgres <url>`: each request becomes a run on the PostgreSQL queue; `rlmtree
 * worker` processes run the tree, and this server only waits for the answer, so the HTTP front
 * holds no REPL and no model client (docs/distributed.md). Typed output and sessions need the tree
 * in this process and are refused in this mode.
 */
import { answerOf, conversationToTask, totalUsage, type Limits } from '@rlmtree/core';
import type { RunQueue } from '@rlmtree/postgres';
import { RequestError, RunFailedError } from './errors.ts';
import type { RequestRunner, RunOutcome, RunRequest } from './runner.ts';

/** Hands requests to the queue's workers. */
export class QueueRunner implements RequestRunner {
  /** No trace folder: the steps are in PostgreSQL. */
  readonly options: { traceDir?: string } = {};
  private readonly queue: RunQueue;
  private readonly limits: Partial<Limits> | undefined;

  /** @param limits limits of each request's run (the workers apply them: they are in the run's state). */
  constructor(queue: RunQueue, limits?: Partial<Limits>) {
    this.queue = queue;
    this.limits = limits;
  }

  /**
   * Submits the request as run `<request id>` and waits until a worker finished it. A client that
   * hangs up stops the wait, not the run (it finishes on its worker and stays in the record).
   * @throws RequestError for a typed output, a session header or a previous response id.
   * @throws RunFailedError when the root ended without an answer.
   */
  async run(request: RunRequest): Promise<RunOutcome> {
    if (request.output.type === 'json') throw new RequestError('typed output (a JSON schema format) is not available with serve --postgres', 'response_format', 'unsupported_parameter');
    if (request.sessionId || request.continueFrom) throw new RequestError('sessions are not available with serve --postgres', null, 'unsupported_parameter');
    const { query, context } = conversationToTask(request.messages);
    const [runId] = await this.queue.submit({ runId: request.id, query, context, ...(this.limits ? { limits: this.limits } : {}) });
    const run = await this.queue.result(runId!, { signal: request.signal });
    const state = (await this.queue.store.get(runId!))!;
    if (run.error) throw new RunFailedError(run.error.kind, `the run ended without an answer: ${run.error.kind}: ${run.error.message}`);
    return { text: answerOf(state), usage: totalUsage(state), state };
  }
}
