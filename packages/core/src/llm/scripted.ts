/**
 * `ScriptedLLM`: an `LLMClient` that answers from a script instead of a model, for tests, the
 * offline demo and benchmarks of the machinery. Three forms: a list of replies (in call order),
 * rules (a regex on the prompt picks a list of replies, one per turn), or a function.
 */
import { z } from '../schema/zod.ts';
import type { ChatMessage, Usage } from '../schema/state.ts';
import { LLMError, type Completion, type CompletionRequest, type LLMClient } from './client.ts';
import { lazySchema, real } from '../schema/lazy.ts';

/** Which part of the prompt a rule's regex is tested against. */
export type MatchOn = 'first' | 'last' | 'all';

/** One rule: when `match` is found in the prompt, reply with `replies[turn]`. */
export interface ScriptRule {
  /** A regex (string source or RegExp). */
  match: string | RegExp;
  /** Tested against the first user message (default: the query of an agent, the prompt of a sub-call), the last message, or all. */
  on?: MatchOn;
  /** Replies by turn: turn = number of assistant messages already in the conversation. */
  replies: string[];
}

/**
 * A reply function: gets the request and the turn (assistant messages so far). The request is the
 * one the caller made, so a structured sub-call's `responseFormat` (its JSON Schema) is there for
 * the script to answer to; list and rule scripts answer as written, whatever it asks.
 */
export type ScriptFunction = (request: CompletionRequest, info: { turn: number; call: number }) => string | Promise<string>;

/** What a ScriptedLLM is built from. */
export type Script = string[] | { rules: ScriptRule[] } | ScriptFunction;

/** Options of a ScriptedLLM. */
export interface ScriptedLLMOptions {
  /** Waits this long before each reply (ms), to model a model's latency. */
  latencyMs?: number;
  /** Name in logs and traces (default `scripted`). */
  name?: string;
}

/**
 * Rough token count used for scripted usage: 1 token per 4 characters (the common rule of thumb
 * for English with BPE tokenizers; OpenAI's tokenizer notes give ~4 characters per token).
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** An `LLMClient` answering from a script. Usage is estimated (see `estimateTokens`), cost 0. */
export class ScriptedLLM implements LLMClient {
  readonly name: string;
  private calls = 0;
  private readonly rules: { rx: RegExp; on: MatchOn; replies: string[] }[] | null;

  private readonly script: Script;
  private readonly options: ScriptedLLMOptions;

  /** @throws Error when a rule's regex does not compile. */
  constructor(script: Script, options: ScriptedLLMOptions = {}) {
    this.script = script;
    this.options = options;
    this.name = options.name ?? 'scripted';
    this.rules =
      typeof script === 'object' && !Array.isArray(script)
        ? script.rules.map((r, i) => {
            try {
              return { rx: typeof r.match === 'string' ? new RegExp(r.match) : r.match, on: r.on ?? 'first', replies: r.replies };
            } catch (err) {
              throw new Error(`scripted rule ${i}: bad regex: ${(err as Error).message}`);
            }
          })
        : null;
  }

  /** Model calls answered so far. */
  get callCount(): number {
    return this.calls;
  }

  /** Answers from the script. @throws LLMError(kind `script`) when the script has no reply. */
  async complete(request: CompletionRequest): Promise<Completion> {
    const call = this.calls++;
    const turn = request.messages.filter((m) => m.role === 'assistant').length;
    const signal = request.signal;
    if (signal?.aborted) throw aborted(this.name);
    if (this.options.latencyMs) await sleep(this.options.latencyMs, this.name, signal);
    const text = await untilAborted(this.reply(request, turn, call), this.name, signal);
    request.onToken?.(text);
    return { text, usage: usageOf(request.messages, text), model: this.name };
  }

  private async reply(request: CompletionRequest, turn: number, call: number): Promise<string> {
    const s = this.script;
    if (typeof s === 'function') return s(request, { turn, call });
    if (Array.isArray(s)) {
      if (call >= s.length) throw new LLMError('script', `${this.name}: the script has ${s.length} replies, call ${call + 1} has none`);
      return s[call]!;
    }
    for (const rule of this.rules!) {
      if (rule.rx.test(promptText(request.messages, rule.on))) {
        const reply = rule.replies[turn];
        if (reply === undefined) throw new LLMError('script', `${this.name}: rule /${rule.rx.source}/ has ${rule.replies.length} replies, turn ${turn} has none`);
        return reply;
      }
    }
    const first = promptText(request.messages, 'first').slice(0, 80);
    throw new LLMError('script', `${this.name}: no rule matches the prompt ${JSON.stringify(first)}`);
  }
}

function promptText(messages: readonly ChatMessage[], on: MatchOn): string {
  if (on === 'all') return messages.map((m) => m.content).join('\n');
  if (on === 'last') return messages[messages.length - 1]?.content ?? '';
  return messages.find((m) => m.role === 'user')?.content ?? '';
}

function usageOf(messages: readonly ChatMessage[], text: string): Usage {
  return {
    inputTokens: messages.reduce((n, m) => n + estimateTokens(m.content), 0),
    outputTokens: estimateTokens(text),
    cachedTokens: 0,
    costUsd: 0,
    llmCalls: 1,
  };
}

const aborted = (name: string) => new LLMError('aborted', `${name}: the call was aborted`);

function sleep(ms: number, name: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(aborted(name));
    }, { once: true });
  });
}

/** `work`, or an `aborted` LLMError as soon as `signal` aborts (a slow script function included). */
function untilAborted<T>(work: Promise<T>, name: string, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted(name));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const RuleSchema = lazySchema(() => z.object({
  match: z.string(),
  on: z.enum(['first', 'last', 'all']).optional(),
  replies: z.array(z.string()).min(1),
}));

const ListSchema = lazySchema(() => z.array(z.string()).min(1));
const RulesSchema = lazySchema(() => z.object({ rules: z.array(real(RuleSchema)).min(1) }).strict());

/** The JSON shape of a script file: a list of replies, or `{ "rules": [...] }`. */
export const ScriptFileSchema = lazySchema(() => z.union([real(ListSchema), real(RulesSchema)]));

/**
 * Checks a parsed script (from JSON or a JS module's default export).
 * @param source names the file in errors.
 * @throws Error naming the file and the offending field.
 */
export function parseScript(value: unknown, source: string): Script {
  if (typeof value === 'function') return value as ScriptFunction;
  const schema = Array.isArray(value) ? ListSchema : typeof value === 'object' && value !== null ? RulesSchema : null;
  const hint = '(expected a list of replies, {"rules": [{"match", "replies"}]}, or from a JS module a function)';
  if (!schema) throw new Error(`${source}: not a valid script: got ${value === null ? 'null' : typeof value} ${hint}`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : 'top level';
    throw new Error(`${source}: not a valid script at ${where}: ${issue.message} ${hint}`);
  }
  return parsed.data;
}
