/** Head + tail truncation of long text, stating the true length. */

/**
 * Keeps the first and last `maxChars / 2` characters of `text` with a marker between them
 * that states how many characters were left out and the true length. Pure.
 */
export function truncateMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = Math.ceil(maxChars / 2);
  const tail = Math.floor(maxChars / 2);
  const omitted = text.length - head - tail;
  return `${text.slice(0, head)}\n... [${omitted} characters omitted; ${text.length} characters in all] ...\n${text.slice(text.length - tail)}`;
}

/** A one-line preview of any JSON value, at most `maxChars` characters. */
export function preview(value: unknown, maxChars = 60): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars - 1)}…`;
}
