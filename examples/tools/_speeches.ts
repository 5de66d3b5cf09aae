// A helper of the tools in this folder (files starting with _ are not loaded as tool modules).

/** Speeches per speaker: a speech is a line holding only a name and ':' that starts a block. */
export function countSpeeches(text: string): Record<string, number> {
  const lines = text.split('\n');
  const counts: Record<string, number> = {};
  lines.forEach((line, i) => {
    if (/^[^\s:][^:]*:$/.test(line) && (i === 0 || lines[i - 1]!.trim() === '')) {
      const name = line.slice(0, -1);
      counts[name] = (counts[name] ?? 0) + 1;
    }
  });
  return counts;
}
