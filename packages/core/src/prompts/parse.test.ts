import { describe, expect, it } from 'vitest';
import { parseReply } from './parse.ts';
import { parseReplyV1 } from './parse-v1.ts';

const F = '```';

describe('parseReply: code blocks as models write them', () => {
  it('takes the first repl block and drops the invented output after it', () => {
    const reply = `Let me look at the size first.\n${F}repl\nprint(len(CONTEXT))\n${F}\nOutput:\n1048576\n${F}repl\ndone(1)\n${F}`;
    const r = parseReply(reply);
    expect(r.code).toBe('print(len(CONTEXT))');
    expect(r.kept).toBe(`Let me look at the size first.\n${F}repl\nprint(len(CONTEXT))\n${F}`);
    expect(r.blocks).toBe(2);
  });

  it('keeps a fence inside a string literal as part of the code', () => {
    const reply = [
      'I will build a markdown report and print it.',
      `${F}python`,
      'fence = "```"',
      'report = f"""## Findings',
      '```',
      'top speaker: {name}',
      '```',
      '"""',
      "print(fence + 'text' + fence)  # a comment with ``` in it",
      `${F}`,
      'That prints the report.',
    ].join('\n');
    const r = parseReply(reply);
    expect(r.code).toBe(['fence = "```"', 'report = f"""## Findings', '```', 'top speaker: {name}', '```', '"""', "print(fence + 'text' + fence)  # a comment with ``` in it"].join('\n'));
    expect(r.kept.endsWith('in it\n```')).toBe(true);
    // version 1 cut the code at the first backticks, inside the string
    expect(parseReplyV1(reply).code).toBe('fence = "');
  });

  it('runs an unclosed final fence to the end of the reply', () => {
    const r = parseReply(`Counting lines now.\n${F}repl\nlines = CONTEXT.splitlines()\nprint(len(lines))\n`);
    expect(r.code).toBe('lines = CONTEXT.splitlines()\nprint(len(lines))');
    expect(parseReplyV1(`${F}repl\nprint(1)\n`).code).toBeNull();
  });

  it('accepts repl, python, python3, py and ipython tags in any case, and not other languages', () => {
    for (const tag of ['repl', 'python', 'Python', 'python3', 'py', 'ipython', '{python}']) {
      expect(parseReply(`${F}${tag}\nx = 1\n${F}`).code, tag).toBe('x = 1');
    }
    expect(parseReply(`${F}js\nconsole.log(1)\n${F}`).code).toBeNull();
    expect(parseReply(`Example:\n${F}\nplain = True\n${F}`).code).toBeNull();
    expect(parseReply(`${F}repl\n   \n${F}`).code).toBeNull();
  });

  it('skips a non-Python block whole, even when it shows a repl fence', () => {
    const reply = `The format is:\n${F}${F}markdown\n${F}repl\nnot_run()\n${F}\n${F}${F}\nNow for real:\n${F}repl\nrun()\n${F}`;
    expect(parseReply(reply).code).toBe('run()');
  });

  it('removes chat-template special tokens around the block', () => {
    const chatml = `<|im_start|>assistant\n${F}repl\nprint(peek(500))\n${F}<|im_end|>`;
    expect(parseReply(chatml)).toMatchObject({ code: 'print(peek(500))', kept: `${F}repl\nprint(peek(500))\n${F}` });
    const llama = `${F}python\ndone(len(CONTEXT))<|eot_id|>`;
    expect(parseReply(llama).code).toBe('done(len(CONTEXT))');
    expect(parseReply(`${F}repl\nx = 2\n${F}</s>`).code).toBe('x = 2');
  });

  it('never runs code inside <think> sections, closed, unclosed or with only the closing tag', () => {
    const thought = `<think>\nMaybe:\n${F}repl\ndone("guess")\n${F}\nNo, look first.\n</think>\nLooking first.\n${F}repl\nprint(peek())\n${F}`;
    const r = parseReply(thought);
    expect(r.code).toBe('print(peek())');
    expect(r.kept).not.toContain('guess');
    expect(parseReply(`<think>I could run\n${F}repl\ndone(1)\n${F}`).code).toBeNull();
    // servers that put <think> in the prompt return only the closing tag
    expect(parseReply(`try ${F}repl\ndone(0)\n${F}\n</think>\n${F}repl\nprint(2)\n${F}`).code).toBe('print(2)');
    // harmony (gpt-oss): the analysis channel is reasoning, the final channel is the reply
    const harmony = `<|channel|>analysis<|message|>${F}repl\ndone(9)\n${F}<|end|><|start|>assistant<|channel|>final<|message|>${F}repl\nprint(3)\n${F}`;
    expect(parseReply(harmony).code).toBe('print(3)');
  });

  it('dedents a block whose fence sits in a list item', () => {
    expect(parseReply(`1. Look:\n   ${F}repl\n   for x in CONTEXT[:2]:\n       print(x)\n   ${F}`).code).toBe('for x in CONTEXT[:2]:\n    print(x)');
  });
});

describe("parseReply: the official RLM's FINAL conventions", () => {
  it('takes FINAL(...) as the last statement of a reply without code', () => {
    const r = parseReply('I counted the speeches in every chunk and summed them.\n\nFINAL(GLOUCESTER, with 12 speeches)');
    expect(r.final).toEqual({ kind: 'value', text: 'GLOUCESTER, with 12 speeches' });
    expect(r.code).toBe('done("GLOUCESTER, with 12 speeches")');
    expect(parseReply('FINAL("the answer is (b)")').code).toBe('done("the answer is (b)")');
  });

  it('takes FINAL_VAR(name) after the one block: the code runs, then the variable is the answer', () => {
    const r = parseReply(`${F}repl\nanswer = max(counts, key=counts.get)\n${F}\nFINAL_VAR(answer)`);
    expect(r.final).toEqual({ kind: 'var', name: 'answer' });
    expect(r.code).toBe('answer = max(counts, key=counts.get)\ndone(answer)');
    expect(r.kept).toBe(`${F}repl\nanswer = max(counts, key=counts.get)\n${F}\nFINAL_VAR(answer)`);
    expect(parseReply('FINAL_VAR("answer")').code).toBe('done(answer)');
  });

  it('does not take FINAL in reasoning, mid-sentence, before more text, in code or in <think>', () => {
    expect(parseReply('I will then call FINAL(answer) once I know it.').final).toBeNull();
    expect(parseReply('FINAL(42)\nActually, let me check that first.').final).toBeNull();
    const inCode = parseReply(`${F}repl\nx = 1\nFINAL(x)\n${F}`);
    expect(inCode.final).toBeNull();
    expect(inCode.code).toBe('x = 1\nFINAL(x)');
    expect(parseReply(`${F}repl\nx = 1\nFINAL_VAR(x)\n`).final).toBeNull(); // unclosed fence: still code
    expect(parseReply('<think>then FINAL(7)</think>\nStill looking.').final).toBeNull();
    expect(parseReply('FINAL_VAR(len(x))').final).toBeNull(); // not a variable name
  });

  it('ignores FINAL after several blocks (only the first block runs)', () => {
    const r = parseReply(`${F}repl\na = 1\n${F}\n${F}repl\nb = 2\n${F}\nFINAL_VAR(b)`);
    expect(r).toMatchObject({ code: 'a = 1', final: null, blocks: 2 });
  });
});
