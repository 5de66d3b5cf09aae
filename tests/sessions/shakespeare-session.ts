/**
 * The three-turn Tiny Shakespeare session, run the same way on every runtime: turn 0 parses the
 * speeches into a variable, turn 1 finds the top speaker from that variable, turn 2 compares with
 * turn 1's answer through `ANSWERS`. The scripted model writes what a model would; the checks
 * are the answers against an independent count and the cells (no later turn reads CONTEXT again).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ScriptedLLM, Session, type CompletionRequest, type Runtime } from '@rlmtree/core';
import { countSpeeches } from '../speakers.ts';

/** Path of the Tiny Shakespeare text (1.1 MB, UTF-8) the three-turn session reads. */
export const CORPUS = join(import.meta.dirname, '../../examples/data/tinyshakespeare.txt');
const block = (code: string) => '```repl\n' + code + '\n```';

/** The queries of the three turns. */
export const TURNS = ['Parse every speech of the play into a list of speaker names.', 'Who has the most speeches? Use what you parsed.', 'How far ahead of the runner-up is the answer you gave in the last turn?'];

/** Which turn the request is in (the last turn-opening user message) and replies already given in it. */
export function turnOf(request: CompletionRequest): { turn: number; replies: number } {
  const messages = request.messages;
  let start = messages.findLastIndex((m) => m.role === 'user' && /^(Turn \d+ of this session\. )?Query: /.test(m.content));
  const opened = /^Turn (\d+) of this session/.exec(messages[start]?.content ?? '');
  const replies = messages.slice(start + 1).filter((m) => m.role === 'assistant').length;
  if (start < 0) start = 0;
  return { turn: opened ? Number(opened[1]) : 0, replies };
}

/** The model's replies: by the turn and the replies already given in it. */
export const REPLIES: string[][] = [
  [
    block(
      [
        'import re',
        'lines = CONTEXT.split("\\n")',
        'speeches = [l[:-1] for i, l in enumerate(lines) if re.match(r"^[^\\s:][^:]*:$", l) and (i == 0 or lines[i - 1].strip() == "")]',
        'print(len(speeches), "speeches")',
      ].join('\n'),
    ),
    block('done(f"parsed {len(speeches)} speeches into `speeches`")'),
  ],
  [block('from collections import Counter\ncounts = Counter(speeches)\ntop, n = counts.most_common(1)[0]\ndone({"speaker": top, "speeches": n})')],
  [block('prev = ANSWERS[1]\nsecond, m = counts.most_common(2)[1]\ndone({"top": prev["speaker"], "runner_up": second, "lead": prev["speeches"] - m, "turns_seen": len(CONTEXTS)})')],
];

/** A scripted model playing `REPLIES`; counts its calls. */
export function shakespeareModel(): ScriptedLLM {
  return new ScriptedLLM((request) => {
    const { turn, replies } = turnOf(request);
    const reply = REPLIES[turn]?.[replies];
    if (!reply) throw new Error(`no scripted reply for turn ${turn}, reply ${replies}`);
    return reply;
  });
}

/** Runs the three turns on `runtime` and checks answers and cells; returns the session (open). */
export async function threeTurns(runtime: Runtime): Promise<Session> {
  const text = await readFile(CORPUS, 'utf8');
  const counts = [...countSpeeches(text)].sort((a, b) => b[1] - a[1]);
  const total = counts.reduce((n, [, c]) => n + c, 0);
  const session = Session.create({ llm: shakespeareModel(), runtime });
  const t0 = await session.send(TURNS[0]!, { context: text });
  expect(t0.answer).toBe(`parsed ${total} speeches into \`speeches\``);
  const t1 = await session.send(TURNS[1]!);
  expect(t1.result).toEqual({ speaker: counts[0]![0], speeches: counts[0]![1] });
  const t2 = await session.send(TURNS[2]!);
  expect(t2.result).toEqual({ top: counts[0]![0], runner_up: counts[1]![0], lead: counts[0]![1] - counts[1]![1], turns_seen: 3 });
  // One tree, one root: its cells of turns 1 and 2 use the parsed variable, never CONTEXT again.
  const root = t2.state.nodes[t2.state.rootId]!;
  expect(Object.keys(t2.state.nodes)).toEqual(['root']);
  expect(root.turns!.map((t) => t.cellStart)).toEqual([0, 2, 3]);
  expect(root.cells.slice(0, 2).some((c) => c.code.includes('CONTEXT'))).toBe(true);
  for (const cell of root.cells.slice(2)) expect(cell.code).not.toMatch(/\bCONTEXT\b/);
  expect(root.cells.every((c) => c.status === 'ok' || c.status === 'done')).toBe(true);
  return session;
}
