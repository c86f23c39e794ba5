import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  averagePrecision,
  evaluateRanking,
  hitRateAtK,
  mean,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  reciprocalRank,
  type Qrels,
} from './ir.metrics.js';

// Graded judgments: a, b, d relevant (R = 3, ideal grades 2, 1, 1); c judged non-relevant, n negative (non-relevant).
const qrels: Qrels = new Map([
  ['a', 2],
  ['b', 1],
  ['c', 0],
  ['d', 1],
  ['n', -1],
]);
const log2 = Math.log2;
// IDCG@k for k ≥ 3: 2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 0.63093 + 0.5 = 3.13093
const idcg3 = 2 + 1 / log2(3) + 1 / 2;
// x and y are unjudged. Grades by rank: 0, 2, 0, 1, 0 — relevant at ranks 2 (a) and 4 (b).
const run = ['x', 'a', 'c', 'b', 'y'];

describe('IR metrics, hand-computed (trec_eval definitions)', () => {
  it('nDCG@k with graded gains', () => {
    // @5: DCG = 2/log2(3) + 1/log2(5) = 1.26186 + 0.43068 = 1.69254; / 3.13093 = 0.54059
    expect(ndcgAtK(run, qrels, 5)).toBeCloseTo((2 / log2(3) + 1 / log2(5)) / idcg3, 12);
    expect(ndcgAtK(run, qrels, 5)).toBeCloseTo(0.54059, 5);
    // @2: DCG = 2/log2(3) = 1.26186; IDCG@2 = 2 + 1/log2(3) = 2.63093 → 0.47962
    expect(ndcgAtK(run, qrels, 2)).toBeCloseTo(2 / log2(3) / (2 + 1 / log2(3)), 12);
    // @1: rank 1 is x → 0
    expect(ndcgAtK(run, qrels, 1)).toBe(0);
    // the original case: ranked b, x, a with R = 2 qrels: DCG = 1 + 2/log2(4) = 2; IDCG = 2 + 1/log2(3)
    expect(ndcgAtK(['b', 'x', 'a'], new Map([['a', 2], ['b', 1]]), 3)).toBeCloseTo(2 / (2 + 1 / log2(3)), 12);
  });

  it('a grade-1 doc above a grade-2 doc scores below the reverse (why "moving up" is only past less relevant docs)', () => {
    // [a, b]: 2 + 1/log2(3) = 2.63093 (ideal over {a:2, b:1}) → 1; [b, a]: 1 + 2/log2(3) = 2.26186 → 0.85972
    const ab = new Map([['a', 2], ['b', 1]]);
    expect(ndcgAtK(['a', 'b'], ab, 2)).toBe(1);
    expect(ndcgAtK(['b', 'a'], ab, 2)).toBeCloseTo((1 + 2 / log2(3)) / (2 + 1 / log2(3)), 12);
  });

  it('recall@k = relevant in top k / R', () => {
    expect(recallAtK(run, qrels, 1)).toBe(0);
    expect(recallAtK(run, qrels, 2)).toBeCloseTo(1 / 3, 12); // a
    expect(recallAtK(run, qrels, 5)).toBeCloseTo(2 / 3, 12); // a, b; d never retrieved
  });

  it('precision@k = relevant in top k / k, the divisor staying k past the end of the list', () => {
    expect(precisionAtK(run, qrels, 1)).toBe(0);
    expect(precisionAtK(run, qrels, 2)).toBe(0.5); // 1 / 2
    expect(precisionAtK(run, qrels, 4)).toBe(0.5); // 2 / 4
    expect(precisionAtK(run, qrels, 5)).toBe(0.4); // 2 / 5
    expect(precisionAtK(run, qrels, 10)).toBe(0.2); // 2 / 10: 5 docs retrieved, k = 10
  });

  it('reciprocal rank of the first relevant doc within k (grade 0 and negative are not relevant)', () => {
    expect(reciprocalRank(run, qrels)).toBe(0.5); // a at rank 2
    expect(reciprocalRank(run, qrels, 1)).toBe(0);
    expect(reciprocalRank(['c', 'n', 'x', 'd'], qrels)).toBe(0.25);
    expect(reciprocalRank(['x'], qrels)).toBe(0);
  });

  it('average precision sums P@r at relevant ranks and divides by all R', () => {
    // P@2 = 1/2 (a), P@4 = 2/4 (b); d unretrieved contributes 0: (0.5 + 0.5) / 3 = 1/3
    expect(averagePrecision(run, qrels)).toBeCloseTo(1 / 3, 12);
    // cut at 3: only a counts: 0.5 / 3 (trec_eval map_cut divides by R, not min(R, k))
    expect(averagePrecision(run, qrels, 3)).toBeCloseTo(0.5 / 3, 12);
    // b, c, a, d: P@1 = 1, P@3 = 2/3, P@4 = 3/4 → (1 + 0.66667 + 0.75) / 3 = 0.80556; grades 1 and 2 count alike
    expect(averagePrecision(['b', 'c', 'a', 'd'], qrels)).toBeCloseTo((1 + 2 / 3 + 3 / 4) / 3, 12);
    expect(averagePrecision(['a', 'b', 'd', 'c'], qrels)).toBe(1);
  });

  it('hit@k is 1 when any relevant doc is in the top k', () => {
    expect(hitRateAtK(run, qrels, 1)).toBe(0);
    expect(hitRateAtK(run, qrels, 2)).toBe(1);
    expect(hitRateAtK(run, qrels, 100)).toBe(1);
    expect(hitRateAtK(['c', 'n', 'x'], qrels, 3)).toBe(0);
  });

  it('duplicates: the first occurrence counts, later ones are dropped before ranking', () => {
    // x, x, a → x, a: a is at rank 2, not 3
    expect(reciprocalRank(['x', 'x', 'a'], qrels)).toBe(0.5);
    expect(precisionAtK(['x', 'x', 'a'], qrels, 2)).toBe(0.5);
    // a, x, a → a, x: a counted once: recall 1/3 (not 2/3), AP = (1/1) / 3 (not (1 + 2/3) / 3), P@3 = 1/3
    expect(recallAtK(['a', 'x', 'a'], qrels, 3)).toBeCloseTo(1 / 3, 12);
    expect(averagePrecision(['a', 'x', 'a'], qrels)).toBeCloseTo(1 / 3, 12);
    expect(precisionAtK(['a', 'x', 'a'], qrels, 3)).toBeCloseTo(1 / 3, 12);
    // a, a, b scores exactly as a, b on everything
    expect(evaluateRanking(['a', 'a', 'b'], qrels, [1, 2, 3])).toEqual(evaluateRanking(['a', 'b'], qrels, [1, 2, 3]));
  });

  it('an empty ranking scores 0 but is still judged', () => {
    const e = evaluateRanking([], qrels, [1, 10]);
    expect(e.judged).toBe(true);
    expect(e.relevant).toBe(3);
    expect(Object.values(e.metrics).every((v) => v === 0)).toBe(true);
    expect(averagePrecision([], qrels)).toBe(0);
  });

  it('no relevant doc in the qrels: every metric 0 and the query is unjudged', () => {
    const none: Qrels = new Map([['c', 0], ['n', -1]]);
    for (const q of [none, new Map<string, number>()]) {
      const e = evaluateRanking(['c', 'x', 'n'], q, [1, 5]);
      expect(e.judged).toBe(false);
      expect(e.relevant).toBe(0);
      expect(Object.values(e.metrics)).toEqual(new Array(11).fill(0));
      expect([ndcgAtK(['c'], q, 5), recallAtK(['c'], q, 5), precisionAtK(['c'], q, 5), reciprocalRank(['c'], q), averagePrecision(['c'], q), hitRateAtK(['c'], q, 5)]).toEqual([0, 0, 0, 0, 0, 0]);
    }
  });

  it('k larger than the list is the whole list', () => {
    expect(ndcgAtK(run, qrels, 100)).toBe(ndcgAtK(run, qrels, 5));
    expect(recallAtK(run, qrels, 100)).toBeCloseTo(2 / 3, 12);
    expect(reciprocalRank(run, qrels, 100)).toBe(0.5);
    expect(averagePrecision(run, qrels, 100)).toBe(averagePrecision(run, qrels));
  });

  it('evaluateRanking: stable keys per k (duplicates collapsed, order kept), then map', () => {
    const e = evaluateRanking(run, qrels, [5, 2, 5]);
    expect(Object.keys(e.metrics)).toEqual(['ndcg@5', 'ndcg@2', 'recall@5', 'recall@2', 'precision@5', 'precision@2', 'mrr@5', 'mrr@2', 'hit@5', 'hit@2', 'map']);
    expect(e.metrics['precision@5']).toBe(0.4);
    expect(e.metrics['recall@2']).toBeCloseTo(1 / 3, 12);
    expect(e.metrics['mrr@2']).toBe(0.5);
    expect(e.metrics['hit@2']).toBe(1);
    expect(e.metrics.map).toBeCloseTo(1 / 3, 12);
    expect(e.metrics['ndcg@5']).toBeCloseTo(0.54059, 5);
    expect(Object.keys(evaluateRanking(run, qrels, []).metrics)).toEqual(['map']);
  });

  it('rejects cut-offs that are not positive integers', () => {
    for (const k of [0, -1, 2.5, NaN]) {
      expect(() => ndcgAtK(run, qrels, k)).toThrow(/positive integer/);
      expect(() => evaluateRanking(run, qrels, [10, k])).toThrow(/positive integer/);
    }
    expect(() => precisionAtK(run, qrels, Infinity)).toThrow(/positive integer/);
    expect(() => evaluateRanking(run, qrels, [Infinity])).toThrow(/positive integer/);
    expect(recallAtK(run, qrels, Infinity)).toBeCloseTo(2 / 3, 12);
  });

  it('mean of nothing is 0', () => expect(mean([])).toBe(0));
});

// Property tests over a small universe: j* may be judged (grades −1..3), u* are never judged.
const judgedIds = ['j0', 'j1', 'j2', 'j3', 'j4', 'j5', 'j6', 'j7'];
const allIds = [...judgedIds, 'u0', 'u1', 'u2', 'u3'];
const qrelsArb = fc.array(fc.tuple(fc.constantFrom(...judgedIds), fc.integer({ min: -1, max: 3 })), { maxLength: 8 }).map((rows) => new Map(rows));
const uniqueRankingArb = fc.shuffledSubarray(allIds);
const ksArb = fc.uniqueArray(fc.integer({ min: 1, max: 15 }), { minLength: 1, maxLength: 4 });
const grade = (q: Qrels, id: string) => q.get(id) ?? 0;
const eps = 1e-12;

describe('IR metric properties', () => {
  it('every metric is in [0, 1] and evaluateRanking agrees with the single metrics (duplicates allowed)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...allIds), { maxLength: 20 }), qrelsArb, ksArb, (ranked, q, ks) => {
        const { metrics } = evaluateRanking(ranked, q, ks);
        for (const v of Object.values(metrics)) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1 + eps);
        }
        for (const k of ks) {
          expect(metrics[`ndcg@${k}`]).toBe(ndcgAtK(ranked, q, k));
          expect(metrics[`recall@${k}`]).toBe(recallAtK(ranked, q, k));
          expect(metrics[`precision@${k}`]).toBe(precisionAtK(ranked, q, k));
          expect(metrics[`mrr@${k}`]).toBe(reciprocalRank(ranked, q, k));
          expect(metrics[`hit@${k}`]).toBe(hitRateAtK(ranked, q, k));
          const apk = averagePrecision(ranked, q, k);
          expect(apk).toBeGreaterThanOrEqual(0);
          expect(apk).toBeLessThanOrEqual(1 + eps);
        }
        expect(metrics.map).toBe(averagePrecision(ranked, q));
      }),
    );
  });

  it('a perfect ranking (relevant by grade, then the rest) gives nDCG 1, recall@R 1, AP 1, MRR 1', () => {
    const arb = fc.tuple(qrelsArb, uniqueRankingArb).filter(([q]) => [...q.values()].some((g) => g > 0));
    fc.assert(
      fc.property(arb, ksArb, ([q, rest], ks) => {
        const relevant = [...q].filter(([, g]) => g > 0).sort((x, y) => y[1] - x[1]).map(([id]) => id);
        const ranked = [...relevant, ...rest.filter((id) => grade(q, id) <= 0)];
        for (const k of ks) expect(ndcgAtK(ranked, q, k)).toBeCloseTo(1, 12);
        expect(recallAtK(ranked, q, relevant.length)).toBe(1);
        expect(averagePrecision(ranked, q)).toBe(1);
        expect(reciprocalRank(ranked, q)).toBe(1);
        expect(evaluateRanking(ranked, q, [relevant.length]).metrics[`recall@${relevant.length}`]).toBe(1);
      }),
    );
  });

  it('swapping a doc above a less relevant one never lowers nDCG@k, AP or MRR@k', () => {
    fc.assert(
      fc.property(uniqueRankingArb, qrelsArb, fc.nat(), fc.nat(), ksArb, (ranked, q, x, y, ks) => {
        if (ranked.length < 2) return;
        const i = x % ranked.length;
        const j = y % ranked.length;
        if (j >= i || Math.max(0, grade(q, ranked[i])) <= Math.max(0, grade(q, ranked[j]))) return;
        const better = [...ranked];
        [better[i], better[j]] = [better[j], better[i]];
        expect(averagePrecision(better, q)).toBeGreaterThanOrEqual(averagePrecision(ranked, q) - eps);
        for (const k of ks) {
          expect(ndcgAtK(better, q, k)).toBeGreaterThanOrEqual(ndcgAtK(ranked, q, k) - eps);
          expect(reciprocalRank(better, q, k)).toBeGreaterThanOrEqual(reciprocalRank(ranked, q, k));
        }
      }),
    );
  });

  it('moving a relevant doc up past non-relevant docs never lowers nDCG@k, AP or MRR@k', () => {
    fc.assert(
      fc.property(uniqueRankingArb, qrelsArb, fc.nat(), fc.nat(), ksArb, (ranked, q, x, y, ks) => {
        const rel = ranked.map((id, i) => (grade(q, id) > 0 ? i : -1)).filter((i) => i >= 0);
        if (rel.length === 0) return;
        const i = rel[x % rel.length];
        let top = i; // highest position reachable passing only non-relevant docs
        while (top > 0 && grade(q, ranked[top - 1]) <= 0) top--;
        const j = top + (y % (i - top + 1));
        const moved = [...ranked];
        moved.splice(j, 0, ...moved.splice(i, 1));
        expect(averagePrecision(moved, q)).toBeGreaterThanOrEqual(averagePrecision(ranked, q) - eps);
        for (const k of ks) {
          expect(ndcgAtK(moved, q, k)).toBeGreaterThanOrEqual(ndcgAtK(ranked, q, k) - eps);
          expect(reciprocalRank(moved, q, k)).toBeGreaterThanOrEqual(reciprocalRank(ranked, q, k));
        }
      }),
    );
  });

  it('permuting the non-relevant docs among their own ranks changes nothing', () => {
    const arb = fc.tuple(uniqueRankingArb, qrelsArb).chain(([ranked, q]) => {
      const others = ranked.filter((id) => grade(q, id) <= 0);
      return fc.tuple(fc.constant(ranked), fc.constant(q), fc.shuffledSubarray(others, { minLength: others.length }));
    });
    fc.assert(
      fc.property(arb, ksArb, ([ranked, q, shuffled], ks) => {
        let next = 0;
        const permuted = ranked.map((id) => (grade(q, id) > 0 ? id : shuffled[next++]));
        expect(evaluateRanking(permuted, q, ks)).toEqual(evaluateRanking(ranked, q, ks));
      }),
    );
  });
});
