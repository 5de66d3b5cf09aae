import { describe, expect, it } from 'vitest';
import { LLMError } from '@rlmtree/core';
import { needleQuestion } from '../tasks/sniah.ts';
import { rootPolicy } from './root.ts';

const messages = (system: string, query: string) => [
  { role: 'system' as const, content: system },
  { role: 'user' as const, content: `Query: ${query}\n\nCONTEXT is a str.` },
];

describe('scripted root policies under the no-sub-calls ablation', () => {
  it('S-NIAH is solved in code when the prompt says there are no sub-calls, with sub-calls otherwise', async () => {
    const policy = rootPolicy('s-niah');
    const q = needleQuestion('badger-42');
    const ablated = String(await policy({ messages: messages('There are no sub-calls in this run: llm_query and llm_query_batched do not exist.', q) }, { turn: 1, call: 1 }));
    expect(ablated).not.toMatch(/llm_query/);
    expect(ablated).toMatch(/re\.findall\(r"magic numbers\? for " \+ re\.escape\(key\)/);
    const full = String(await policy({ messages: messages('You answer a query…', q) }, { turn: 1, call: 1 }));
    expect(full).toMatch(/llm_query_batched\(prompts\)/);
  });

  it('a task that needs a sub-model to label text ends with a structured script error, never a guess', () => {
    const policy = rootPolicy('oolong');
    expect(() => policy({ messages: messages('There are no sub-calls in this run.', 'whatever') }, { turn: 1, call: 1 })).toThrow(LLMError);
  });
});
