/**
 * The generators: deterministic under a seed, the needle at the asked depth, and every gold
 * answer recomputed here from the context text and the TREC file read on its own.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { instances } from '../runner.ts';
import { TASKS } from './index.ts';
import { makeOolong, type OolongQuestion } from './oolong.ts';
import { makePairs } from './oolong-pairs.ts';
import { makeNeedle } from './sniah.ts';

// The TREC labels, read independently of corpus.ts: question text -> coarse label.
const TREC = new Map(
  readFileSync(new URL('../../data/trec_train_5500.label', import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => [line.slice(line.indexOf(' ') + 1).trim(), line.slice(0, line.indexOf(':'))]),
);
const NAME: Record<string, string> = { ABBR: 'abbreviation', DESC: 'description and abstract concept', ENTY: 'entity', HUM: 'human being', LOC: 'location', NUM: 'numeric value' };
const CODE = Object.fromEntries(Object.entries(NAME).map(([c, n]) => [n, c]));

function parseRecords(context: string) {
  return context
    .split('\n')
    .filter((l) => l.startsWith('Date: '))
    .map((l) => {
      const [date, user, instance] = l.split(' || ');
      const text = instance!.replace(/^Instance: /, '');
      expect(TREC.has(text), `record question not in TREC: ${text}`).toBe(true);
      return { date: new Date(`${date!.replace(/^Date: /, '')} UTC`), user: Number(user!.replace(/^User: /, '')), label: TREC.get(text)! };
    });
}

describe('every task', () => {
  for (const task of Object.values(TASKS)) {
    it(`${task.name}: the same seed gives the same instance, another seed another, at about the asked size`, () => {
      const a = task.generate(4096, 7, 0);
      expect(task.generate(4096, 7, 0)).toEqual(a);
      expect(task.generate(4096, 8, 0).context).not.toBe(a.context);
      expect(a.context.length).toBeLessThanOrEqual(4096 * 4);
      expect(a.context.length).toBeGreaterThan(4096 * 4 - 400);
      const ids = [...instances(task, [2048, 4096], 3, 1)].map((i) => i.id);
      expect(new Set(ids).size).toBe(6);
    });
  }
});

describe('s-niah', () => {
  for (const haystack of ['filler', 'shakespeare'] as const) {
    it(`puts the needle at the asked depth of a ${haystack} haystack, once, with the gold it states`, () => {
      for (const depth of [0, 0.1, 0.37, 0.5, 0.9, 1]) {
        const inst = makeNeedle({ sizeTokens: 8192, depth, haystack, seed: 11 });
        const m = /One of the special magic numbers for (\S+) is: (\d{7})\./.exec(inst.context)!;
        expect(m[2]).toBe(inst.gold);
        expect(inst.query).toContain(m[1]);
        expect(inst.context.split('special magic number').length).toBe(2);
        const needleLine = m[0].length + 1;
        const target = depth * (inst.context.length - needleLine);
        // At the line boundary nearest the asked depth: off by at most half a neighbouring line.
        const before = inst.context.slice(0, m.index).split('\n').at(-2) ?? '';
        const after = inst.context.slice(m.index + needleLine).split('\n')[0] ?? '';
        expect(Math.abs(m.index - target)).toBeLessThanOrEqual(Math.max(before.length, after.length) / 2 + 1);
        expect(m.index === 0 || inst.context[m.index - 1] === '\n').toBe(true);
      }
    });
  }
  it('rejects a depth outside [0, 1]', () => {
    expect(() => makeNeedle({ sizeTokens: 4096, depth: 1.5, haystack: 'filler', seed: 1 })).toThrow(/depth must be in \[0, 1\]/);
  });
});

describe('oolong aggregation', () => {
  const types: OolongQuestion[] = ['count', 'most_common', 'least_common', 'compare'];
  for (const type of types) {
    it(`${type}: the gold answer matches a count made here from the records`, () => {
      for (const seed of [1, 2, 3]) {
        const inst = makeOolong(4096, seed, 0, type);
        const counts: Record<string, number> = { ABBR: 0, DESC: 0, ENTY: 0, HUM: 0, LOC: 0, NUM: 0 };
        for (const r of parseRecords(inst.context)) counts[r.label]!++;
        const labels = [...inst.query.matchAll(/label '([^']+)'/g)].map((m) => CODE[m[1]!]!);
        const ranked = Object.entries(counts).sort((a, b) => b[1] - a[1]);
        const q = inst.meta.question;
        if (q === 'count') expect(Number(inst.gold)).toBe(counts[labels[0]!]);
        else if (q === 'most_common') expect(inst.gold).toBe(NAME[ranked[0]![0]]);
        else if (q === 'least_common') expect(inst.gold).toBe(NAME[ranked[5]![0]]);
        else {
          const [a, b] = [counts[labels[0]!]!, counts[labels[1]!]!];
          expect(inst.gold).toBe(a > b ? 'more common than' : a < b ? 'less common than' : 'same frequency as');
        }
        // A tie would have no single right label: the generator falls back to a count instead.
        if (type !== 'count' && q === 'count') expect(inst.scoreKind).toBe('numeric');
      }
    });
  }
  it('hides the labels: no TREC label code appears before a question', () => {
    const inst = makeOolong(2048, 5, 0);
    expect(inst.context).not.toMatch(/(ABBR|DESC|ENTY|HUM|LOC|NUM):/);
  });
});

describe('oolong-pairs', () => {
  for (const cutoff of [false, true]) {
    it(`the gold pairs match the users found here${cutoff ? ', with the date cut-off' : ''}`, () => {
      for (const seed of [1, 2, 3]) {
        const inst = makePairs(4096, seed, 0, cutoff);
        const m = /label '([^']+)' or '([^']+)'(?: dated on or before ([A-Z][a-z]{2} \d{2}, \d{4}))?/.exec(inst.query)!;
        expect(Boolean(m[3])).toBe(cutoff);
        const wanted = [CODE[m[1]!], CODE[m[2]!]];
        const until = m[3] ? new Date(`${m[3]} UTC`) : null;
        const users = new Set(parseRecords(inst.context).filter((r) => wanted.includes(r.label) && (!until || r.date <= until)).map((r) => r.user));
        const ids = [...users].sort((a, b) => a - b);
        const pairs = ids.flatMap((a, i) => ids.slice(i + 1).map((b) => `(${a}, ${b})`));
        expect(inst.gold.split('\n')).toEqual(pairs);
        expect(ids.length).toBeGreaterThanOrEqual(6);
      }
    });
  }
  it('the date cut-off matters: some users have matching records only after it', () => {
    const inst = makePairs(4096, 4, 0, true);
    const m = /label '([^']+)' or '([^']+)' dated on or before (.+?)\./.exec(inst.query)!;
    const wanted = [CODE[m[1]!], CODE[m[2]!]];
    const all = new Set(parseRecords(inst.context).filter((r) => wanted.includes(r.label)).map((r) => r.user));
    expect(all.size).toBeGreaterThan(Number(inst.meta.qualifying));
  });
});
