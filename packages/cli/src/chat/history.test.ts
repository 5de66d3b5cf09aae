import { describe, expect, it } from 'vitest';
import { parseHistory } from './history.ts';

describe('parseHistory', () => {
  it('takes a list of user/assistant messages', () => {
    expect(parseHistory([{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }], 'h.json')).toHaveLength(2);
  });

  it('names the entry and field that is wrong, in one line', () => {
    const bad = (value: unknown) => {
      try {
        parseHistory(value, 'h.json');
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ role: 'user' })).toMatch(/^history h\.json: expected a JSON list .* got object$/);
    expect(bad([{ role: 'user', content: 'a' }, { role: 'system', content: 'b' }])).toMatch(/^history h\.json: entry 1\.role: /);
    expect(bad([{ role: 'user', content: 3 }])).toMatch(/^history h\.json: entry 0\.content: /);
    expect(bad([{ role: 'user', content: 'a', extra: 1 }])).toMatch(/^history h\.json: entry 0: /);
    expect(bad(['hello'])).not.toContain('\n');
  });
});
