/**
 * Binding a turn in an agent's REPL: the Python code that sets `CONTEXT` to the turn's input and
 * extends `CONTEXTS`, `ANSWERS` and `HISTORY`. The code is made from the state (never recorded as
 * a cell), so a live REPL and a rebuilt one run the same binding before the same cells. The
 * payload travels as a JSON text inside the code: a JSON string literal is a valid Python string
 * literal (its escapes are a subset of Python's), decoded by `json.loads` in the REPL.
 */
import type { AgentNode, Json } from '../schema/state.ts';

/**
 * The code that brings a REPL whose turns `0..index-1` are bound to turn `index` of `node`.
 * Turn 0 starts the lists (`CONTEXT` is already the turn-0 input, bound when the REPL opened).
 * Pure.
 * @throws RangeError when `node` has no turn `index`.
 */
export function turnBindingCode(node: Pick<AgentNode, 'id' | 'turns' | 'messages'>, index: number): string {
  const turns = node.turns ?? [];
  const turn = turns[index];
  if (!turn) throw new RangeError(`turnBindingCode: agent ${node.id} has no turn ${index} (it has ${turns.length})`);
  // HISTORY[k] is message k: turn 0 brings the messages before its query (the system prompt and
  // any seeded history), each later turn the previous turn's messages.
  const previous = turns[index - 1];
  const from = previous ? previous.messageStart : 0;
  const history = node.messages.slice(from, turn.messageStart).map((m) => ({ role: m.role, content: m.content }));
  const payload: Json = previous ? { context: turn.context, answer: previous.result, history } : { history };
  const load = ['import json as _rlmtree_json', `_rlmtree_turn = _rlmtree_json.loads(${JSON.stringify(JSON.stringify(payload))})`];
  const bind = previous
    ? ['CONTEXTS.append(_rlmtree_turn["context"])', 'ANSWERS.append(_rlmtree_turn["answer"])', 'HISTORY.extend(_rlmtree_turn["history"])', 'CONTEXT = CONTEXTS[-1]', 'context = CONTEXT']
    : ['CONTEXTS = [CONTEXT]', 'ANSWERS = []', 'HISTORY = _rlmtree_turn["history"]'];
  return [...load, ...bind, 'del _rlmtree_turn, _rlmtree_json', ''].join('\n');
}
