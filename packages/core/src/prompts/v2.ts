/**
 * Prompt version 2: the built-in variants (`default`, `minimal`, `cost-warning`, `compat`), custom
 * templates with slots, and the reply rules of `parse.ts`.
 *
 * The approach taught (the long input as a REPL variable, sub-model calls from code, recursion)
 * follows Zhang, Kraska & Khattab, "Recursive Language Models" (arXiv 2512.24601); the method
 * (size up, split, delegate, combine) and every word and example here are rlmtree's own. Once
 * released this wording is frozen: traces fold with it. Later versions that only add to it are
 * built here from a `Wording` (version 3, `v3.ts`, names structured sub-calls); a change that
 * rewrites it goes into a file of its own.
 */
import type { CellOutcome } from '../schema/events.ts';
import type { Context, Json, Limits } from '../schema/state.ts';
import { fillTemplate, type PromptSlot, type PromptSpec, type PromptVariant } from './config.ts';
import { parseReply } from './parse.ts';
import { toolAvailableAt } from '../tools/tool.ts';
import { thousands } from '../util/thousands.ts';
import type { FeedbackCell, PromptFacts, PromptSet, SubCallBudgetLeft } from './set.ts';

const n = thousands;

/** What a version built from this file says beyond version 2's words (all false: version 2). */
export interface Wording {
  /** `llm_query(..., schema=...)`: typed, checked sub-call answers (prompt version 3). */
  schemaSubCalls: boolean;
}
const V2: Wording = { schemaSubCalls: false };
const F = '```';

/** A sentence saying what CONTEXT holds and how big it is (characters). Pure. */
export function describeContext(context: Context): string {
  if (typeof context === 'string') return `a str of ${n(context.length)} characters`;
  const total = context.reduce((sum, d) => sum + d.length, 0);
  const sizes = context.slice(0, 10).map((d) => n(d.length));
  const more = context.length > 10 ? `, … ${n(context.length - 10)} more` : '';
  return `a list of ${n(context.length)} str documents, ${n(total)} characters in all (sizes: ${sizes.join(', ')}${more})`;
}

const compat = (spec: PromptSpec) => spec.variant === 'compat';
/** The input's name as the variant teaches it. */
const inputName = (spec: PromptSpec) => (compat(spec) ? 'context' : 'CONTEXT');

/**
 * For a folder context: how code reaches each document's path, and the first paths. Absent for
 * other contexts, so runs without paths keep the wording they were recorded with.
 */
function pathLines(facts: PromptFacts, spec: PromptSpec): string {
  const paths = facts.contextPaths;
  if (!paths?.length) return '';
  const v = inputName(spec);
  const shown = paths.slice(0, 20).map((p, i) => `${i}: ${p} (${n(facts.context[i]?.length ?? 0)} chars)`);
  const more = paths.length > 20 ? `\n… ${n(paths.length - 20)} more` : '';
  return `The documents are files of a folder. ${v}[i].path (or PATHS[i]) is document i's path relative to it; a document is still a str. Name files by their path in your answer when it is about them.\n${shown.join('\n')}${more}`;
}

function api(facts: PromptFacts, spec: PromptSpec, wording: Wording): string {
  const { depth, limits } = facts;
  const v = inputName(spec);
  const lines = [
    `- ${v}${compat(spec) ? ' (also CONTEXT)' : ''}: the input. peek(n=2000) / tail(n=2000): its first / last n characters. grep(pattern, max_matches=100) -> [(line_number, line)], a regex over its lines. chunk(size, overlap=0) -> [str]: it cut into pieces of size characters.`,
    ...subCallLines(facts, wording),
    depth < limits.maxDepth
      ? `- delegate(name, query, context=None) -> handle: start a child agent like you, with its own REPL whose ${v} is \`context\` (yours when None). Then \`results = yield wait(h1, h2, ...)\` (or \`yield wait(handles)\`) pauses this cell until those children finish; results come in handle order, and a child that ended without an answer gives an AgentFailure (falsy, with .kind and .message). \`ask(h, query)\` gives child h another task (it keeps its variables).`
      : `- delegate(...) is not available: you are at the deepest level allowed (depth ${depth} of ${limits.maxDepth}). Use llm_query / llm_query_batched instead.`,
    compat(spec)
      ? `- FINAL(value) / FINAL_VAR("name") in code, or done(value): finish with your answer. See "Finishing" below.`
      : `- done(value): finish with your answer (${facts.resultSchema === undefined ? 'any JSON-like value: a str, number, list or dict' : 'a value matching the result schema below'}). It ends you for good.`,
    `- print(...): the only way to see anything. Output longer than ${n(limits.maxOutputChars)} characters is cut to its head and tail.`,
  ];
  return lines.join('\n');
}

/** The RLM paper's "no sub-calls" ablation: `maxSubCalls` 0 leaves `llm_query*` out of the REPL and the prompt. */
function noSubCalls(facts: PromptFacts): boolean {
  return facts.limits.maxSubCalls === 0;
}

function subCallLines(facts: PromptFacts, wording: Wording): string[] {
  if (noSubCalls(facts)) return [`- There are no sub-calls in this run: llm_query and llm_query_batched do not exist. Read the input with code${facts.depth < facts.limits.maxDepth ? ' and hand pieces to child agents with delegate()' : ''}.`];
  const l = facts.limits;
  const budgets = [
    l.maxSubCalls != null ? `${n(l.maxSubCalls)} sub-calls for the whole run` : null,
    l.maxSubCallsPerAgent != null ? `${n(l.maxSubCallsPerAgent)} per agent` : null,
    l.maxSubCallTokens != null ? `${n(l.maxSubCallTokens)} sub-call tokens` : null,
    l.maxSubCallInputChars != null ? `${n(l.maxSubCallInputChars)} characters per prompt` : null,
  ].filter(Boolean);
  return [
    `- llm_query(prompt, model=None) -> str: one question to a sub-model. It sees only the prompt you pass, so put the text it must read into it (a few hundred thousand characters fit).`,
    `- llm_query_batched(prompts, model=None) -> [str]: many independent questions at once, run concurrently; one that fails comes back as a SubCallError (a str) and the others still answer.`,
    ...(wording.schemaSubCalls
      ? [`- Both take schema= (a JSON Schema, pydantic model or type, e.g. list[str]): answers come parsed and checked, or as SubCallSchemaError.`]
      : []),
    ...(budgets.length
      ? [`- Sub-call budget: ${budgets.join(', ')}; both functions also take max_tokens= and temperature=. A sub-call past the budget is not sent and raises SubCallBudgetError (from llm_query_batched after the others answered, all answers on its .results); each cell's feedback says what is left. Repeated identical sub-calls may be answered from a cache for free.`]
      : []),
  ];
}

function method(facts: PromptFacts, spec: PromptSpec): string {
  const v = inputName(spec);
  const canDelegate = facts.depth < facts.limits.maxDepth;
  return [
    `1. Size up. Find out what ${v} is before anything else: its length, one text or many documents, how it is laid out (print a peek, count lines or documents, grep for headers, ids or dates). Never answer from the query alone.`,
    `2. Split. Cut the input where its own structure cuts it (documents, chapters, sections), into pieces a sub-model can read whole. Whatever code can do exactly — counting, filtering, regex, arithmetic, sorting — do in code; a sub-model is for reading and judging text.`,
    noSubCalls(facts)
      ? `3. ${canDelegate ? 'Delegate. Hand a piece that needs several steps of work of its own to a child agent with delegate(); ask for short answers in a fixed shape (a number, a name, a line of JSON) so they combine in code.' : 'Work each piece in code: there are no sub-calls and no children at your depth.'}`
      : `3. Delegate. Ask each piece its question with llm_query_batched${canDelegate ? ', or delegate() a piece that needs several steps of work of its own to a child agent' : ''}. Ask for short answers in a fixed shape (a number, a name, a line of JSON) so they combine in code.`,
    `4. Combine. Merge the answers in code (sum, count, vote, dedupe), check what you found against the input (grep for it), then finish.`,
  ].join('\n');
}

function examples(facts: PromptFacts, spec: PromptSpec): string {
  const v = inputName(spec);
  const finish = (expr: string) => (compat(spec) ? `FINAL(${expr})` : `done(${expr})`);
  const parts = [
    `Counting across a long text is exact in code; no sub-model needed:\n${F}repl\nlines = ${v}.splitlines()\nprint(len(${v}), "chars,", len(lines), "lines")\nprint(lines[:8])\n${F}\nthen, once the layout is known (say a name in capitals on its own line opens each speech):\n${F}repl\nimport collections\nspeakers = collections.Counter(l.rstrip(":") for l in lines if l.endswith(":") and l[:-1].isupper())\nprint(speakers.most_common(3))\n${F}`,
    ...(noSubCalls(facts) ? [] : [`A question that needs reading, asked of every piece at once:\n${F}repl\npieces = chunk(150_000)\nreplies = llm_query_batched([f"List each date this text mentions, one per line, or NONE.\\n\\n{p}" for p in pieces])\ndates = sorted({d.strip() for r in replies for d in r.splitlines() if d.strip() not in ("", "NONE")})\nprint(len(dates), dates[:20])\n${F}`]),
  ];
  if (facts.depth < facts.limits.maxDepth) {
    parts.push(
      `Sub-problems that need several steps each go to child agents; combine what they return:\n${F}repl\nparts = chunk(300_000)\nhandles = [delegate(f"part_{i}", 'Who speaks most in this text, and how often? Finish with {"name": str, "speeches": int}.', context=p) for i, p in enumerate(parts)]\nresults = yield wait(*handles)\nprint(results)\n${F}\n${F}repl\nbest = max((r for r in results if r), key=lambda r: r["speeches"])\n${finish('best')}\n${F}`,
    );
  }
  return parts.join('\n\n');
}

function rules(facts: PromptFacts, spec: PromptSpec): string {
  const { depth, limits } = facts;
  const lines = [
    `- Reply with one ${F}repl block of Python per turn; its output comes back in the next message. Only the first block of a reply runs, and nothing you write after it is read: never write the output yourself.`,
    `- Variables persist between turns: keep partial results in them.`,
    compat(spec) ? `- Finish only with a checked answer.` : `- Call done(...) only with a checked answer; it ends you for good.`,
    `- You are at depth ${depth} (the root is 0; children may go to depth ${limits.maxDepth}). You have at most ${limits.maxIterations} turns; one cell may run ${Math.round(limits.cellTimeoutMs / 1000)} s.`,
  ];
  return lines.join('\n');
}

function finishing(): string {
  return `When the answer is known, end your reply with one line outside any code block:
FINAL(your answer)           — the text inside the parentheses is the answer;
FINAL_VAR(variable_name)     — the REPL variable of that name is the answer (create it in a block first; the block of the same reply runs before it).
The line counts only as the very last thing in your reply: writing "I will call FINAL(...) later" finishes nothing. In code, FINAL(value), FINAL_VAR("name") and done(value) finish the same way.`;
}

/**
 * The section of an agent that takes several turns. The names follow the official RLM's persistent
 * mode (versioned contexts) and the versioned answers its users asked for.
 */
function sessionLines(spec: PromptSpec): string {
  const v = inputName(spec);
  return `## Sessions
This is a session: after you finish, the user may send another turn. The REPL keeps every variable, import and function between turns, so reuse what you computed instead of recomputing it.
- ${v}: the current turn's input. CONTEXTS[i]: the input of turn i (turns count from 0). ANSWERS[i]: your answer of turn i, None when it had none.
- HISTORY: the whole conversation before the current turn, uncut, as a list of {"role", "content"} dicts; HISTORY[k] is message k. Earlier turns' outputs are cut short in this conversation; read them there.`;
}

function toolLines(facts: PromptFacts): string {
  const tools = facts.tools.filter((t) => toolAvailableAt(t, facts.depth));
  if (tools.length === 0) return '';
  const typed = tools.some((t) => t.signature);
  const line = (t: PromptFacts['tools'][number]) => `- ${t.signature ?? `${t.name}(...)`}: ${t.description}`;
  // Runs recorded before typed tools keep their wording: the header changes only when a tool has a signature.
  const head = typed
    ? 'Host tools (plain Python functions; call them directly, or with await). Arguments are checked: a wrong one raises ToolError saying which and why. help(name) shows the docstring.'
    : 'Host tools (plain Python functions):';
  return `${head}\n${tools.map(line).join('\n')}`;
}

function resultLines(schema: Json | undefined): string {
  if (schema === undefined) return '';
  const { $schema: _, ...shown } = (typeof schema === 'object' && schema !== null && !Array.isArray(schema) ? schema : { schema }) as Record<string, Json>;
  return `The answer must match this JSON Schema; a finish with any other value is refused and you are told why:\n${JSON.stringify(shown)}`;
}

function costLines(limits: Limits): string {
  const budgets = [
    limits.maxCostUsd !== null ? `$${limits.maxCostUsd} for the whole run` : null,
    limits.maxTotalTokens !== null ? `${n(limits.maxTotalTokens)} tokens for the whole run` : null,
    limits.maxSubCalls != null ? `${n(limits.maxSubCalls)} sub-calls in all` : null,
    limits.maxSubCallsPerAgent != null ? `${n(limits.maxSubCallsPerAgent)} sub-calls per agent` : null,
  ].filter(Boolean);
  return `## Cost
Every model call is paid for, yours and every sub-call and child agent's alike${budgets.length ? `; this run may spend at most ${budgets.join(', ')}, and is stopped when it reaches a limit` : ''}.
- Before each sub-call ask whether code can do it: grep, counting and slicing cost nothing.
- Send sub-models only the part they need (grep for it first), in a few large prompts rather than many small ones.
- Do not re-ask a question whose answer you already hold in a variable.`;
}

/** The built-in system prompt of `variant`, from its sections. */
function builtin(variant: PromptVariant, facts: PromptFacts, spec: PromptSpec, wording: Wording): string {
  const v = inputName(spec);
  const intro = `You answer a query about an input too long to read at once, by writing Python in a persistent REPL. The input is never pasted into this conversation: it is the REPL variable ${v}, ${describeContext(facts.context)}.`;
  const extra = [pathLines(facts, spec), toolLines(facts), resultLines(facts.resultSchema), facts.session ? sessionLines(spec) : ''].filter(Boolean).join('\n\n');
  const sections =
    variant === 'minimal'
      ? [intro, `In the REPL:\n${api(facts, spec, wording)}`, extra, rules(facts, spec)]
      : [
          intro,
          `## In the REPL\n${api(facts, spec, wording)}`,
          extra,
          `## How to work\n${method(facts, spec)}`,
          `## Examples\n${examples(facts, spec)}`,
          variant === 'cost-warning' ? costLines(facts.limits) : '',
          compat(spec) ? `## Finishing\n${finishing()}` : '',
          `## Rules\n${rules(facts, spec)}`,
        ];
  return sections.filter(Boolean).join('\n\n');
}

function slots(facts: PromptFacts, spec: PromptSpec, variant: PromptVariant, wording: Wording): Record<PromptSlot, string> {
  const { depth, limits } = facts;
  return {
    context: describeContext(facts.context),
    api: api(facts, spec, wording),
    method: method(facts, spec),
    examples: examples(facts, spec),
    rules: rules(facts, spec),
    tools: toolLines(facts),
    result_schema: resultLines(facts.resultSchema),
    builtin: builtin(variant, facts, spec, wording),
    depth: String(depth),
    max_depth: String(limits.maxDepth),
    max_iterations: String(limits.maxIterations),
    cell_timeout_s: String(Math.round(limits.cellTimeoutMs / 1000)),
    max_output_chars: String(limits.maxOutputChars),
  };
}

function system(facts: PromptFacts, spec: PromptSpec, wording: Wording): string {
  const variant = spec.variant ?? 'default';
  if (spec.template === undefined) return builtin(variant, facts, spec, wording);
  return fillTemplate(spec.template, slots(facts, spec, variant, wording));
}

function query(q: string, context: Context, spec: PromptSpec): string {
  return `Query: ${q}\n\n${inputName(spec)} is ${describeContext(context)}. Size it up with code first; do not guess the answer.`;
}

function turn(index: number, q: string, context: Context, sameInput: boolean, resultSchema: Json | undefined, spec: PromptSpec): string {
  const v = inputName(spec);
  const input = sameInput ? `${v} is the same input as turn ${index - 1} (${describeContext(context)})` : `${v} is now this turn's input: ${describeContext(context)}`;
  const note = resultSchema === undefined ? '' : `\n\n${resultLines(resultSchema)}`;
  return `Turn ${index} of this session. Query: ${q}\n\n${input}. CONTEXTS[0..${index}] hold every turn's input, ANSWERS[0..${index - 1}] your earlier answers, HISTORY the conversation so far. Variables from earlier turns are still defined.${note}`;
}

function noCode(spec: PromptSpec): string {
  return compat(spec)
    ? `Your reply had no ${F}repl block and no final FINAL(...) / FINAL_VAR(...) line, so nothing happened. Reply with one ${F}repl block of Python, or end with a FINAL line when you have the answer.`
    : `Your reply had no ${F}repl code block, so nothing ran. Reply with one ${F}repl block of Python; call done(value) in it when you have the answer.`;
}

function cellFeedback(node: { iteration: number }, limits: Limits, cell: FeedbackCell, outcome: CellOutcome, budget?: SubCallBudgetLeft): string {
  const parts: string[] = [];
  const size = cell.outputChars > cell.output.length ? ` (${cell.outputChars} characters in all, cut to head and tail)` : '';
  parts.push(cell.output.length ? `Output of cell ${cell.index}${size}:\n${cell.output}` : `Cell ${cell.index} ran and printed nothing.`);
  if (outcome.status === 'error') parts.push(`It raised an exception:\n${outcome.error.traceback || `${outcome.error.type}: ${outcome.error.message}`}`);
  if (outcome.status === 'timeout') parts.push(`It was stopped: ${outcome.message}.`);
  if (outcome.status === 'crashed') parts.push(`The REPL died: ${outcome.message}. A fresh REPL is rebuilt from your earlier cells; variables they set are back.`);
  const left = limits.maxIterations - node.iteration;
  if (left > 0) parts.push(`(${left} turn${left === 1 ? '' : 's'} left)`);
  if (budget) {
    const shown = [
      budget.tree !== null ? `${n(budget.tree)} sub-calls for the run` : null,
      budget.agent !== null ? `${n(budget.agent)} for you` : null,
      budget.tokens !== null ? `${n(budget.tokens)} sub-call tokens` : null,
    ].filter(Boolean);
    if (shown.length) parts.push(`(Sub-call budget left: ${shown.join(', ')}.)`);
  }
  return parts.join('\n\n');
}

/**
 * The prompt set of `version`: version 2's words plus what `wording` adds. Messages other than the
 * system prompt are the same in every version built here.
 */
export function promptSetWith(version: number, wording: Wording): PromptSet {
  return { ...PROMPTS_V2, version, system: (facts, spec) => system(facts, spec, wording) };
}

/** Prompt version 2. */
export const PROMPTS_V2: PromptSet = {
  version: 2,
  system: (facts, spec) => system(facts, spec, V2),
  query,
  noCode,
  cellFeedback: (node, limits, cell, outcome, _spec, budget) => cellFeedback(node, limits, cell, outcome, budget),
  turn,
  resultNote: (schema) => (schema === undefined ? '' : `\n\n${resultLines(schema)}`),
  parse: parseReply,
};
