/**
 * Integers with thousands separators, exactly as `x.toLocaleString('en-US')` writes them
 * ("1,234,567", "-1,234"), without its cost: the first `toLocaleString` call of a process loads
 * ICU's locale data, about 60 ms of CPU (issue 18: most of a small run's first step). Anything
 * but a safe integer goes to `toLocaleString` itself.
 */
export function thousands(x: number): string {
  if (!Number.isSafeInteger(x)) return x.toLocaleString('en-US');
  return String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
