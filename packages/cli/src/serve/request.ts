/**
 * Request fields both APIs share: the model id check, and the parameters an RLM cannot honour,
 * which are refused with a 400 naming them instead of being ignored.
 */
import { RequestError } from './errors.ts';

/** @throws RequestError (404 `model_not_found`) when `model` is not the served one. */
export function checkModel(model: string, served: string): void {
  if (model !== served) throw new RequestError(`the model ${JSON.stringify(model)} does not exist; this server serves ${JSON.stringify(served)}`, 'model', 'model_not_found', 404);
}

/**
 * `tools`: an agent tree answers with text (or a typed result); it never hands tool calls back to
 * the client, so a request that offers tools would silently never see one. Host tools are
 * registered on the server, where agent code calls them.
 * @throws RequestError for a non-empty `tools`.
 */
export function refuseTools(tools: unknown): void {
  if (Array.isArray(tools) ? tools.length > 0 : tools !== undefined && tools !== null) {
    throw new RequestError(
      'tools: rlmtree serve does not return tool calls; its agents call host tools registered on the server (docs/serve.md, "tools"). Send the request without tools.',
      'tools',
      'unsupported_parameter',
    );
  }
}

/**
 * `n`: each choice would be a whole agent tree; a request asks for one.
 * @throws RequestError for `n` other than 1.
 */
export function refuseN(n: unknown): void {
  if (n !== undefined && n !== null && n !== 1) {
    throw new RequestError(`n: rlmtree serve returns one choice per request (each choice is a whole agent tree); got n=${JSON.stringify(n)}. Send n separate requests.`, 'n', 'unsupported_parameter');
  }
}

/** The zod issue of a failed parse as a RequestError naming the field. */
export function schemaIssue(issue: { path: PropertyKey[]; message: string }): RequestError {
  const param = issue.path.map(String).join('.') || null;
  return new RequestError(`${param ?? 'body'}: ${issue.message}`, param);
}
