import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { mean, ndcgAtK, recallAtK, reciprocalRank } from './ir.metrics.js';

const qrels = new Map([
  ['a', 2],
  ['b', 1],
  ['c', 0],
]);

describe('IR metrics (trec_eval definitions, hand-computed)', () => {
  it('nDCG@3 with graded gains', () => {
    // ranked b, x, a: DCG = 1/log2(2) + 0 + 2/log2(4) = 1 + 1 = 2; IDCG = 2/1 + 1/log2(3) = 2.6309
    expect(ndcgAtK(['b', 'x', 'a'], qrels, 3)).toBeCloseTo(2 / (2 + 1 / Math.log2(3)), 10);
  });
  it('perfect ranking scores 1, nothing relevant scores 0', () => {
    expect(ndcgAtK(['a', 'b'], qrels, 10)).toBe(1);
    expect(ndcgAtK(['x', 'c'], qrels, 10)).toBe(0);
  });
  it('cuts at k', () => {
    expect(ndcgAtK(['x', 'a'], qrels, 1)).toBe(0);
    expect(recallAtK(['x', 'a', 'b'], qrels, 2)).toBe(0.5);
    expect(recallAtK(['x', 'a', 'b'], qrels, 3)).toBe(1);
  });
  it('reciprocal rank of the first relevant hit (grade 0 is not relevant)', () => {
    expect(reciprocalRank(['c', 'x', 'b'], qrels)).toBeCloseTo(1 / 3);
    expect(reciprocalRank(['x'], qrels)).toBe(0);
  });
  it('mean of nothing is 0', () => expect(mean([])).toBe(0));

  it('stays within [0, 1] for any ranking', () => {
    const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    fc.assert(
      fc.property(fc.uniqueArray(ids), fc.integer({ min: 1, max: 10 }), (ranked, k) => {
        for (const v of [ndcgAtK(ranked, qrels, k), recallAtK(ranked, qrels, k), reciprocalRank(ranked, qrels, k)]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1 + 1e-12);
        }
      }),
    );
  });
});
