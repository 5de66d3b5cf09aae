/**
 * Prompts versioned and out of the fold: a trace recorded before prompts were versioned folds to
 * exactly the states it was recorded with; new runs record their version; a version this
 * rlmtree does not have is refused with a message naming it and how to read it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRun } from '../create.ts';
import { reduceAll } from '../reduce.ts';
import { replay } from '../trace/replay.ts';
import { parseTrace } from '../trace/reader.ts';
import { parseState } from '../checkpoint/state-file.ts';
import { replied } from '../testing/fixtures.ts';
import { PROMPT_VERSION } from './config.ts';
import { promptSetFor, PromptVersionError } from './versions.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../../tests/fixtures/prompt-v1/${name}`, import.meta.url), 'utf8');

describe('prompt versions', () => {
  it('a trace recorded before prompts were versioned folds to the very states it was recorded with', () => {
    const trace = parseTrace(fixture('trace.jsonl'), 'trace.jsonl');
    expect(trace.header.promptVersion).toBe(1);
    expect(trace.header.initial.prompt).toBeUndefined();
    const states = replay(trace);
    const recorded = parseState(fixture('final-state.json'), 'final-state.json');
    expect(states.at(-1)).toEqual(recorded);
    // its wording is version 1's, not today's default
    expect(recorded.nodes['root.p0']!.messages[0]!.content).not.toEqual(createRun('count words', 'x').nodes.root!.messages[0]!.content);
  });

  it('new runs record the current version; the same events fold the same way under each version they name', () => {
    const now = createRun('q', 'ctx');
    expect(now.prompt).toEqual({ version: PROMPT_VERSION });
    const { prompt: _, ...legacy } = now;
    const reply = 'Checking.\n```repl\nprint("```")\n```';
    // version 1 cut the code at the fence in the string literal; version 2 does not
    expect(reduceAll(legacy, [replied('root', null), { type: 'llm_replied', agentId: 'root', text: reply, usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0, costUsd: 0, llmCalls: 1 } }]).nodes.root!.pendingCode).toBe('print("');
    expect(reduceAll(now, [{ type: 'llm_replied', agentId: 'root', text: reply, usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0, costUsd: 0, llmCalls: 1 } }]).nodes.root!.pendingCode).toBe('print("```")');
  });

  it('version 3 is version 2 with the schema= line added to the REPL list, and version 2 still has no such line', () => {
    const s = createRun('q', 'ctx');
    expect(s.prompt).toEqual({ version: 3 });
    const v2 = { ...s, prompt: { version: 2 } };
    const facts = { depth: 0, limits: s.limits, context: 'ctx', tools: [] };
    const text2 = promptSetFor(v2.prompt).system(facts, {});
    const text3 = promptSetFor(s.prompt).system(facts, {});
    expect(text2).not.toContain('schema=');
    const added = text3.split('\n').filter((line) => !text2.split('\n').includes(line));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^- Both take schema= .*SubCallSchemaError\.$/);
    expect(text3.replace(`${added[0]}\n`, '')).toBe(text2);
  });

  it('refuses a trace recorded with a prompt version it does not have, naming the version and how to read it', () => {
    const lines = fixture('trace.jsonl').split('\n');
    const header = JSON.parse(lines[0]!);
    header.promptVersion = 99;
    const text = [JSON.stringify(header), ...lines.slice(1)].join('\n');
    expect(() => parseTrace(text, 'future.jsonl')).toThrow(/future\.jsonl, line 1, promptVersion: recorded with prompt version 99, .*knows 1, 2.*read it with the rlmtree release that wrote it/);
    expect(() => promptSetFor({ version: 99 })).toThrow(PromptVersionError);
  });
});
