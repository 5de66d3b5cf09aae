import { describe, expect, it } from 'vitest';
import { comparisonScore, labelOf, labelScore, lastNumber, needleScore, numericScore, pairF1, parsePairs, score } from './score.ts';

describe('needleScore (exact match on the 7-digit number)', () => {
  it('takes the bare number and the number inside a sentence', () => {
    expect(needleScore('4821937', '4821937')).toBe(1);
    expect(needleScore('The special magic number is 4821937.', '4821937')).toBe(1);
  });
  it('gives 0 for a wrong number, a near miss, no number, or several numbers', () => {
    expect(needleScore('4821938', '4821937')).toBe(0);
    expect(needleScore('48219370', '4821937')).toBe(0); // eight digits is not the number
    expect(needleScore('I could not find it.', '4821937')).toBe(0);
    expect(needleScore('4821937 or 1234567', '4821937')).toBe(0);
  });
});

describe('numericScore (0.75^|y - ŷ|)', () => {
  it('is 1 when exact and 0.75^k when k off, from the last number in the answer', () => {
    expect(numericScore('1204', '1204')).toBe(1);
    expect(numericScore('1205', '1204')).toBeCloseTo(0.75);
    expect(numericScore('I counted 3 batches; the total is 1,201', '1204')).toBeCloseTo(0.75 ** 3);
    expect(numericScore('100', '1204')).toBeLessThan(1e-100);
  });
  it('is 0 with no number', () => {
    expect(numericScore('many', '12')).toBe(0);
    expect(lastNumber('no digits here')).toBeNull();
  });
});

describe('labelScore and comparisonScore (exact match)', () => {
  it('accepts the OOLONG name or the TREC code, in any case, with punctuation', () => {
    expect(labelScore("'Numeric value'.", 'numeric value')).toBe(1);
    expect(labelScore('The answer is NUM', 'numeric value')).toBe(1);
    expect(labelOf('description and abstract concept')).toBe('DESC');
  });
  it('rejects another label, two labels, or none', () => {
    expect(labelScore('location', 'numeric value')).toBe(0);
    expect(labelScore('location or numeric value', 'numeric value')).toBe(0);
    expect(labelScore('no idea', 'numeric value')).toBe(0);
  });
  it('needs exactly the right comparison', () => {
    expect(comparisonScore('It is more common than the other.', 'more common than')).toBe(1);
    expect(comparisonScore('less common than', 'more common than')).toBe(0);
    expect(comparisonScore('more common than or less common than', 'more common than')).toBe(0);
  });
});

describe('pairF1 (F1 over the set of pairs)', () => {
  const gold = '(1, 2)\n(1, 3)\n(2, 3)\n(2, 4)';
  it('is 1 for the same set in any order, either order inside a pair, duplicates ignored', () => {
    expect(pairF1('(2, 4)\n(3, 2)\n(1,2)\n(1, 3)\n(1, 2)', gold)).toBe(1);
  });
  it('is the harmonic mean of precision and recall for hand-made partial answers', () => {
    // 2 of 4 gold pairs and 1 wrong one: P = 2/3, R = 1/2, F1 = 4/7.
    expect(pairF1('(1, 2) (1, 3) (3, 4)', gold)).toBeCloseTo(4 / 7);
    // All 4 gold pairs and 4 wrong ones: P = 1/2, R = 1, F1 = 2/3.
    expect(pairF1(`${gold}\n(5, 6)\n(5, 7)\n(6, 7)\n(1, 9)`, gold)).toBeCloseTo(2 / 3);
  });
  it('is 0 with nothing right or nothing given', () => {
    expect(pairF1('(8, 9)', gold)).toBe(0);
    expect(pairF1('', gold)).toBe(0);
    expect(parsePairs('(4, 4) (x, 2)').size).toBe(0);
  });
});

it('score dispatches on the kind', () => {
  expect(score('exact', ' Hello. ', 'hello')).toBe(1);
  expect(score('numeric', '3', '4')).toBeCloseTo(0.75);
  expect(score('pairs_f1', '(1, 2)', '(1, 2)')).toBe(1);
  expect(score('needle', '1234567', '7654321')).toBe(0);
});
