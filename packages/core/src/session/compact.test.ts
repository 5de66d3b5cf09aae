import { describe, expect, it } from 'vitest';
import type { AgentNode, ChatMessage, Turn } from '../schema/state.ts';
import { cutMessage, modelMessages } from './compact.ts';
import { DEFAULT_COMPACTION } from './create.ts';

const turn = (index: number, messageStart: number): Turn => ({ index, query: `q${index}`, context: '', messageStart, cellStart: 0, startStep: 0, result: null, error: null });
const long = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');

function node(): Pick<AgentNode, 'messages' | 'turns'> {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'sys' },
    { role: 'user', content: 'Query: q0' },
    { role: 'assistant', content: 'code a' },
    { role: 'user', content: long },
    { role: 'assistant', content: 'code done' },
    { role: 'user', content: 'Turn 1 of this session. Query: q1' },
    { role: 'assistant', content: 'code b' },
    { role: 'user', content: long },
  ];
  return { messages, turns: [turn(0, 1), turn(1, 5)] };
}

describe('modelMessages', () => {
  it('cuts earlier turns’ outputs to 20 lines, keeps queries, code and the current turn whole', () => {
    const n = node();
    const out = modelMessages(n, DEFAULT_COMPACTION);
    expect(out).toHaveLength(8);
    expect(out[3]!.content.split('\n')).toHaveLength(21);
    expect(out[3]!.content).toContain('HISTORY[3] holds the whole message');
    expect(out.slice(0, 3)).toEqual(n.messages.slice(0, 3));
    expect(out.slice(4)).toEqual(n.messages.slice(4));
  });

  it('sends everything when compaction is off or the agent has one turn', () => {
    const n = node();
    expect(modelMessages(n, { ...DEFAULT_COMPACTION, enabled: false })).toBe(n.messages);
    expect(modelMessages({ ...n, turns: n.turns!.slice(0, 1) }, DEFAULT_COMPACTION)).toBe(n.messages);
  });

  it('drops the oldest earlier messages past the history token budget and names the HISTORY slice', () => {
    const out = modelMessages(node(), { ...DEFAULT_COMPACTION, historyTokens: 60 });
    expect(out[0]!.content).toBe('sys');
    expect(out[1]!.role).toBe('user');
    expect(out[1]!.content).toMatch(/^\[\d earlier messages? left out .* HISTORY\[1:\d\] holds them\]/);
    expect(out.at(-1)!.content).toBe(long);
    expect(out.length).toBeLessThan(8);
  });

  it('cutMessage keeps at most maxBytes bytes on a character boundary', () => {
    const text = 'é'.repeat(2000);
    const cut = cutMessage(text, { maxLines: 20, maxBytes: 1025 }, 7);
    const head = cut.split('\n')[0]!;
    expect(Buffer.byteLength(head, 'utf8')).toBeLessThanOrEqual(1025);
    expect(head).toBe('é'.repeat(512));
    expect(cutMessage('short', { maxLines: 20, maxBytes: 1024 }, 0)).toBe('short');
  });
});
