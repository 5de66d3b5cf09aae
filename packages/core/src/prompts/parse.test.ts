import { describe, expect, it } from 'vitest';
import { parseReply } from './parse.ts';

describe('parseReply', () => {
  it('takes the first repl or python block and drops what follows', () => {
    const r = parseReply('Plan.\n```repl\nx = 1\nprint(x)\n```\nOutput:\n1\n```repl\ny = 2\n```');
    expect(r.code).toBe('x = 1\nprint(x)');
    expect(r.kept).toBe('Plan.\n```repl\nx = 1\nprint(x)\n```');
    expect(parseReply('```python\nprint(2)\n```').code).toBe('print(2)');
  });
  it('finds no code in prose, other languages or empty blocks', () => {
    expect(parseReply('The answer is 4.').code).toBeNull();
    expect(parseReply('```js\nconsole.log(1)\n```').code).toBeNull();
    expect(parseReply('```repl\n   \n```').code).toBeNull();
  });
});
