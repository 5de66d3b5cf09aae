/** Naming why a request failed: the causes under an SDK's generic "Connection error." */

/**
 * The causes below `err`, one phrase each, joined by `: `, e.g. `fetch failed: connect
 * ECONNREFUSED 127.0.0.1:1`. Follows `cause` (up to 5 deep) and the errors of an
 * `AggregateError` (a host with several addresses); only Error values are described, so a cause
 * that is some other object (a whole run state, say) never ends up in a message. Empty when
 * there is none.
 */
export function causeChain(err: unknown): string {
  const parts: string[] = [];
  const add = (e: unknown) => {
    if (!(e instanceof Error)) return;
    const code = (e as NodeJS.ErrnoException).code;
    const message = e.message.split('\n')[0]!.trim();
    const phrase = message || code || e.name;
    if (phrase && !parts.some((p) => p.includes(phrase))) parts.push(phrase);
  };
  let e: unknown = err instanceof Error ? err.cause : undefined;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    if (e instanceof AggregateError && e.errors.length) e.errors.slice(0, 2).forEach(add);
    else add(e);
    e = e.cause;
  }
  return parts.join(': ');
}
