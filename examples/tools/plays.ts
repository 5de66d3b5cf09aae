// Host tools over play scripts, for `rlmtree run --tools examples/tools` (and `serve --tools`).
// Each export made with tool() becomes a Python function with this signature in the agents' REPL:
//   count_speeches(text: str) -> dict
//   top_speakers(counts: dict, n: int = 3) -> list[list[str | int]]
import { tool } from '@rlmtree/core';
import { z } from 'zod';
import { countSpeeches } from './_speeches.ts';

/** `count_speeches(text)`: speeches per speaker (dict name -> count) of a play text; a speech is a `NAME:` line after a blank line. */
export const count_speeches = tool({
  description: 'Speeches per speaker in a play text (a speech opens with a line "NAME:" after a blank line).',
  parameters: z.object({ text: z.string().describe('part of a play; split it at blank lines') }),
  returns: z.record(z.string(), z.number().int()),
  execute: ({ text }) => countSpeeches(text),
});

/** `top_speakers(counts, n=3)`: the `n` speakers with the most speeches as `[name, count]` pairs, ties by name. */
export const top_speakers = tool({
  description: 'The n speakers with the most speeches, from a dict speaker -> count, as [name, count] pairs.',
  parameters: z.object({ counts: z.record(z.string(), z.number()).describe('speaker -> speeches'), n: z.number().int().positive().default(3) }),
  returns: z.array(z.tuple([z.string(), z.number()])),
  execute: ({ counts, n }) => Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n),
});
