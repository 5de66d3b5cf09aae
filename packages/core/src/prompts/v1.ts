/**
 * Prompt version 1, frozen: the wording of runs made before prompts were versioned (states without
 * `prompt`), sessions included. Traces recorded then fold with exactly these texts; never edit
 * them — new wording is a new version (see `config.ts`). Version 1 has no variants or templates.
 */
import { thousands } from '../util/thousands.ts';
import type { CellOutcome } from '../schema/events.ts';
import type { AgentNode, Context, Json, Limits } from '../schema/state.ts';
import { parseReplyV1 } from './parse-v1.ts';
import type { PromptFacts, PromptSet } from './set.ts';

/** A sentence saying what CONTEXT holds and how big it is (characters). */
function describeContext(context: Context): string {
  if (typeof context === 'string') return `a str of ${thousands(context.length)} characters`;
  const total = context.reduce((n, d) => n + d.length, 0);
  return `a list of ${thousands(context.length)} str documents, ${thousands(total)} characters in all`;
}

/**
 * The system-prompt section of an agent that takes several turns. The names follow the official
 * RLM's persistent mode (versioned contexts) and the versioned answers its users asked for.
 */
const SESSION_PROMPT_SECTION = `
This is a session: after you call done(), the user may send another turn. The REPL keeps every variable, import and function between turns, so reuse what you computed instead of recomputing it.
- CONTEXT: the current turn's input. CONTEXTS[i]: the input of turn i (turns count from 0). ANSWERS[i]: your answer (the value given to done()) of turn i, None when it had none.
- HISTORY: the whole conversation before the current turn, uncut, as a list of {"role", "content"} dicts; HISTORY[k] is message k. Earlier turns' outputs are cut short in this conversation; read them there.
`;

/** The system prompt of an agent. Pure. */
function systemPrompt(facts: PromptFacts): string {
  const { depth, limits, tools } = facts;
  const canDelegate = depth < limits.maxDepth;
  const toolLines = tools.length
    ? `\nHost tools (plain Python functions):\n${tools.map((t) => `- ${t.name}(...): ${t.description}`).join('\n')}\n`
    : '';
  return `You are an agent that answers a query about a long input by writing Python code in a persistent REPL.

The input is NOT in this conversation. It is bound in the REPL to the variable CONTEXT: ${describeContext(facts.context)}.
Inspect it with code; print only what you need to see (long output is cut to ${thousands(limits.maxOutputChars)} characters, head and tail).

In the REPL:
- CONTEXT: the input. peek(n=2000) / tail(n=2000): its first / last n characters. grep(pattern, max_matches=100) -> [(line_number, line)]. chunk(size, overlap=0) -> [str].
- llm_query(prompt, model=None) -> str: ask a sub-LLM one question (it sees only the prompt you give it; a few hundred thousand characters fit).
- llm_query_batched(prompts, model=None) -> [str]: many sub-LLM questions at once, concurrently; a failed one comes back as a SubCallError (a str).
${
  canDelegate
    ? `- delegate(name, query, context=None) -> handle: start a child agent like you, with its own REPL whose CONTEXT is \`context\` (yours when None). Then \`results = yield wait(h1, h2, ...)\` (or \`yield wait(handles)\`) pauses this cell until those children finish; results come in handle order, an AgentFailure (falsy, with .kind and .message) for a child that ended without an answer.`
    : `- delegate(...) is not available: you are at the deepest level allowed (depth ${depth} of ${limits.maxDepth}). Use llm_query / llm_query_batched instead.`
}
- done(result): finish with your answer (${facts.resultSchema === undefined ? 'any JSON-like value' : 'a value matching the result schema below'}). Call it only when you are sure.
${toolLines}${resultLines(facts.resultSchema)}${facts.session ? SESSION_PROMPT_SECTION : ''}
Variables persist between cells. Reply with exactly one code block per turn, fenced as \`\`\`repl ... \`\`\`; you will then see its output. Anything you write after the block is ignored.
You are at depth ${depth} (the root is 0; children may go to depth ${limits.maxDepth}). You have at most ${limits.maxIterations} turns; a cell may run ${Math.round(limits.cellTimeoutMs / 1000)} s.`;
}

/** The prompt lines that state a result schema ('' for none). Pure. */
function resultLines(schema: Json | undefined): string {
  if (schema === undefined) return '';
  const { $schema: _, ...shown } = (typeof schema === 'object' && schema !== null && !Array.isArray(schema) ? schema : { schema }) as Record<string, Json>;
  return `\nThe answer must match this JSON Schema; done() with any other value is refused and you are told why:\n${JSON.stringify(shown)}\n`;
}

/** The first user message: the query, and a nudge to look before answering. Pure. */
function queryMessage(query: string, context: Context): string {
  return `Query: ${query}\n\nCONTEXT is ${describeContext(context)}. Start by looking at its size and shape with code; do not guess the answer.`;
}

/** Told to the model when its reply held no code block. */
const NO_CODE_MESSAGE =
  'Your reply had no ```repl code block, so nothing ran. Reply with one ```repl block of Python; call done(result) in it when you have the answer.';

/** The message reporting a finished cell back to the model. Pure. */
function cellFeedback(node: Pick<AgentNode, 'iteration'>, limits: Limits, cell: { index: number; output: string; outputChars: number }, outcome: CellOutcome): string {
  const parts: string[] = [];
  const size = cell.outputChars > cell.output.length ? `, ${cell.outputChars} characters in all, cut` : '';
  parts.push(cell.output.length ? `Output of cell ${cell.index}${size}:\n${cell.output}` : `Cell ${cell.index} ran and printed nothing.`);
  if (outcome.status === 'error') parts.push(`It raised an exception:\n${outcome.error.traceback}`);
  if (outcome.status === 'timeout') parts.push(`It was stopped: ${outcome.message}.`);
  if (outcome.status === 'crashed') parts.push(`The REPL died: ${outcome.message}. A fresh REPL will be rebuilt from your earlier cells.`);
  const left = limits.maxIterations - node.iteration;
  parts.push(left > 0 ? `(${left} turn${left === 1 ? '' : 's'} left)` : '');
  return parts.filter(Boolean).join('\n\n');
}

/** The user message that opens turn `index` (1 or more) of a session. Pure. */
function turnMessage(index: number, query: string, context: Context, sameInput: boolean, resultSchema?: Json): string {
  const input = sameInput ? `CONTEXT is the same input as turn ${index - 1} (${describeContext(context)})` : `CONTEXT is now this turn's input: ${describeContext(context)}`;
  return `Turn ${index} of this session. Query: ${query}\n\n${input}. CONTEXTS[0..${index}] hold every turn's input, ANSWERS[0..${index - 1}] your earlier answers, HISTORY the conversation so far. Variables from earlier turns are still defined.${resultLines(resultSchema)}`;
}

/** Prompt version 1. */
export const PROMPTS_V1: PromptSet = {
  version: 1,
  system: (facts) => systemPrompt(facts),
  query: (query, context) => queryMessage(query, context),
  noCode: () => NO_CODE_MESSAGE,
  cellFeedback: (node, limits, cell, outcome) => cellFeedback(node, limits, cell, outcome),
  turn: (index, query, context, sameInput, resultSchema) => turnMessage(index, query, context, sameInput, resultSchema),
  resultNote: (schema) => resultLines(schema),
  parse: parseReplyV1,
};
