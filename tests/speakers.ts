/**
 * The independent count behind the main-job example: a speech is a line holding only a speaker
 * name followed by ':' that starts a block (the first line, or a line after a blank line).
 */
export function countSpeeches(text: string): Map<string, number> {
  const lines = text.split('\n');
  const counts = new Map<string, number>();
  lines.forEach((line, i) => {
    if (/^[^\s:][^:]*:$/.test(line) && (i === 0 || lines[i - 1]!.trim() === '')) {
      const name = line.slice(0, -1);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  });
  return counts;
}

/** The speaker with the most speeches and their count. */
export function topSpeaker(text: string): { speaker: string; speeches: number } {
  const [speaker, speeches] = [...countSpeeches(text)].sort((a, b) => b[1] - a[1])[0]!;
  return { speaker, speeches };
}
