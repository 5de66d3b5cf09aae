/**
 * Binding a turn in an agent's REPL: the Python code that sets `CONTEXT` to the turn's input and
 * extends `CONTEXTS`, `ANSWERS` and `HISTORY`. The code is made from the state (never recorded as
 * a cell), so a live REPL and a rebuilt one run the same binding before the same cells. The
 * payload travels as a JSON text inside the code: a JSON string literal is a valid Python string
 * literal (its escapes are a subset of Python's), decoded by `json.loads` in the REPL. A REPL that
 * can read a context from a file (`Repl.contextCode`: subprocess and docker) is handed the turn's
 * context as an expression naming its file instead, so a big one is not carried inside the code.
 */
import type { AgentNode, Context, Json } from '../schema/state.ts';

/** A Python expression that gives `context` in the REPL without its text in the code, or undefined (see `Repl.contextCode`). */
export type ContextCode = (context: Context) => string | undefined;

/**
 * The code that brings a REPL whose turns `0..index-1` are bound to turn `index` of `node`.
 * Turn 0 starts the lists (`CONTEXT` is already the turn-0 input, bound when the REPL opened).
 * Pure, given a pure `contextCode` (the REPL's way to name the turn's context; default inline:
 * the context's text inside the code). Either way the REPL binds the same value.
 * @throws RangeError when `node` has no turn `index`.
 */
export function turnBindingCode(node: Pick<AgentNode, 'id' | 'turns' | 'messages'>, index: number, contextCode?: ContextCode): string {
  const turns = node.turns ?? [];
  const turn = turns[index];
  if (!turn) throw new RangeError(`turnBindingCode: agent ${node.id} has no turn ${index} (it has ${turns.length})`);
  // HISTORY[k] is message k: turn 0 brings the messages before its query (the system prompt and
  // any seeded history), each later turn the previous turn's messages.
  const previous = turns[index - 1];
  const from = previous ? previous.messageStart : 0;
  const history = node.messages.slice(from, turn.messageStart).map((m) => ({ role: m.role, content: m.content }));
  const fromFile = previous ? contextCode?.(turn.context) : undefined;
  const payload: Json = previous ? { ...(fromFile === undefined ? { context: turn.context } : {}), answer: previous.result, history } : { history };
  const load = ['import json as _rlmtree_json', `_rlmtree_turn = _rlmtree_json.loads(${JSON.stringify(JSON.stringify(payload))})`];
  const bind = previous
    ? [`CONTEXTS.append(${fromFile ?? '_rlmtree_turn["context"]'})`, 'ANSWERS.append(_rlmtree_turn["answer"])', 'HISTORY.extend(_rlmtree_turn["history"])', 'CONTEXT = CONTEXTS[-1]', 'context = CONTEXT']
    : ['CONTEXTS = [CONTEXT]', 'ANSWERS = []', 'HISTORY = _rlmtree_turn["history"]'];
  return [...load, ...bind, 'del _rlmtree_turn, _rlmtree_json', ''].join('\n');
}
