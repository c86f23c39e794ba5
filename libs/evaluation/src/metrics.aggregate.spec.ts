import { describe, expect, it } from '@jest/globals';
import { aggregateMetrics, pairedBootstrapCI } from './metrics.aggregate.js';
import { evaluateRanking } from './ir.metrics.js';
import { mulberry32 } from './seeded.random.js';

describe('aggregateMetrics', () => {
  it('averages each key over queries', () => {
    // ndcg: (1 + 0 + 0.5) / 3 = 0.5; map: (0.25 + 0.5 + 0) / 3 = 0.25
    expect(aggregateMetrics([{ 'ndcg@10': 1, map: 0.25 }, { 'ndcg@10': 0, map: 0.5 }, { map: 0, 'ndcg@10': 0.5 }])).toEqual({ 'ndcg@10': 0.5, map: 0.25 });
    expect(aggregateMetrics([])).toEqual({});
  });

  it('takes evaluateRanking output once unjudged queries are skipped', () => {
    const qrels = new Map([['a', 1]]);
    const perQuery = [evaluateRanking(['a'], qrels, [1]), evaluateRanking(['x', 'a'], qrels, [1]), evaluateRanking(['a'], new Map(), [1])];
    const mean = aggregateMetrics(perQuery.filter((e) => e.judged).map((e) => e.metrics));
    // mrr@1: (1 + 0) / 2; map: (1 + 1/2) / 2 = 0.75
    expect(mean['mrr@1']).toBe(0.5);
    expect(mean.map).toBe(0.75);
  });

  it('rejects queries with different keys or non-finite values', () => {
    expect(() => aggregateMetrics([{ a: 1, b: 1 }, { a: 1 }])).toThrow(/query 1 has keys/);
    expect(() => aggregateMetrics([{ a: 1 }, { b: 1 }])).toThrow(/query 1 lacks metric "a"/);
    expect(() => aggregateMetrics([{ a: 1 }, { a: NaN }])).toThrow(/finite/);
  });
});

describe('pairedBootstrapCI', () => {
  const scores = (seed: number, n: number) => {
    const r = mulberry32(seed);
    return Array.from({ length: n }, () => r());
  };

  it('identical runs give delta 0 and the interval [0, 0]', () => {
    const a = scores(1, 50);
    expect(pairedBootstrapCI(a, [...a], { random: mulberry32(2) })).toEqual({ meanDelta: 0, low: 0, high: 0 });
  });

  it('a clearly better run gets an interval above 0, a clearly worse one below', () => {
    const a = scores(3, 100).map((x) => x * 0.6);
    const noise = scores(4, 100);
    const b = a.map((x, i) => x + 0.1 + 0.2 * (noise[i] - 0.5)); // +0.1 on average, ±0.1 per query
    const up = pairedBootstrapCI(a, b, { random: mulberry32(5) });
    expect(up.meanDelta).toBeGreaterThan(0.08);
    expect(up.low).toBeGreaterThan(0);
    expect(up.low).toBeLessThan(up.meanDelta);
    expect(up.high).toBeGreaterThan(up.meanDelta);
    const down = pairedBootstrapCI(b, a, { random: mulberry32(5) });
    expect(down.meanDelta).toBeCloseTo(-up.meanDelta, 12);
    expect(down.high).toBeLessThan(0);
  });

  it('a noisy, unchanged run straddles 0', () => {
    const a = scores(6, 100);
    const noise = scores(7, 100);
    const noiseMean = noise.reduce((s, v) => s + v, 0) / noise.length;
    const b = a.map((x, i) => x + 0.2 * (noise[i] - noiseMean)); // per-query noise ±0.1 with mean exactly ~0
    const ci = pairedBootstrapCI(a, b, { random: mulberry32(8) });
    expect(ci.meanDelta).toBeCloseTo(0, 12);
    expect(ci.low).toBeLessThan(0);
    expect(ci.high).toBeGreaterThan(0);
  });

  it('is reproducible with the same seed and uses the injected source (hand-computed)', () => {
    const a = scores(9, 30);
    const b = scores(10, 30);
    expect(pairedBootstrapCI(a, b, { random: mulberry32(11) })).toEqual(pairedBootstrapCI(a, b, { random: mulberry32(11) }));
    // deltas [0, 1]; draws 0, 0 → resample mean 0; draws 0.9, 0.9 → mean 1. Sorted means [0, 1]; confidence 0.5
    // → quantiles 0.25 and 0.75, interpolated: 0 + 0.25·(1 − 0) = 0.25 and 0.75. meanDelta = (0 + 1) / 2.
    const draws = [0, 0, 0.9, 0.9];
    let i = 0;
    expect(pairedBootstrapCI([0, 0], [0, 1], { samples: 2, confidence: 0.5, random: () => draws[i++] })).toEqual({ meanDelta: 0.5, low: 0.25, high: 0.75 });
    // a source returning exactly 1 still picks a valid index (the last): every resample mean is 1
    expect(pairedBootstrapCI([0, 0], [0, 1], { samples: 3, random: () => 1 })).toEqual({ meanDelta: 0.5, low: 1, high: 1 });
  });

  it('rejects unpaired, empty or out-of-range input', () => {
    const random = mulberry32(1);
    expect(() => pairedBootstrapCI([1], [1, 2], { random })).toThrow(/one score per query/);
    expect(() => pairedBootstrapCI([], [], { random })).toThrow(/at least one query/);
    expect(() => pairedBootstrapCI([1], [1], { samples: 0, random })).toThrow(/samples/);
    expect(() => pairedBootstrapCI([1], [1], { confidence: 1, random })).toThrow(/confidence/);
    expect(() => pairedBootstrapCI([1], [NaN], { random })).toThrow(/finite/);
  });
});
