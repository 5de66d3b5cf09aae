/** The generated Python `def` of a tool, run by real python3: its signature, defaults, docstring and what it sends. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tool } from './tool.ts';

describe('python stubs', () => {
  it('binds a real signature with defaults and a docstring, and sends the arguments by name', () => {
    const t = tool({
      name: 'find',
      description: 'Find "things" in the corpus.',
      parameters: z.object({
        mode: z.enum(['word', 'regex']).default('word').describe('how to match'),
        pattern: z.string().describe('what to look for'),
        max: z.number().int().optional(),
        flags: z.object({ case: z.boolean() }).default({ case: true }),
      }),
      returns: z.array(z.string()).describe('matching lines'),
      execute: () => [],
    });
    const spec = t.spec('find');
    expect(spec.signature).toBe('find(pattern: str, mode: str = "word", max: int = None, flags: dict = {"case": True}) -> list[str]');
    const script = `
import inspect, json
sent = []
def __rlmtree_tool__(name, kwargs, omitted):
    sent.append([name, kwargs, omitted])
    return "ok"
${spec.stub}
print(json.dumps([str(inspect.signature(find)), find.__doc__.splitlines()[0], find("x"), find("y", max=3, mode="regex"), sent]))
`;
    const out = JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }));
    expect(out[0]).toBe("(pattern: str, mode: str = 'word', max: int = None, flags: dict = {'case': True}) -> list[str]");
    expect(out[1]).toBe('Find "things" in the corpus.');
    expect(out[4]).toEqual([
      ['find', { pattern: 'x', mode: 'word', max: null, flags: { case: true } }, ['max']],
      ['find', { pattern: 'y', mode: 'regex', max: 3, flags: { case: true } }, ['max']],
    ]);
    expect(spec.stub).toContain('    pattern (str): what to look for');
    expect(spec.stub).toContain('Returns: list[str]: matching lines');
  });

  it('refuses names Python cannot bind', () => {
    expect(() => tool({ name: 'my-tool', description: '', parameters: z.object({}), execute: () => null })).toThrow(/not a Python identifier/);
    expect(() => tool({ name: 't', description: '', parameters: z.object({ class: z.string() }), execute: () => null })).toThrow(/parameter "class" is not a Python name/);
  });
});
