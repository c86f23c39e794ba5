import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AppError } from '@ragops/contracts';
import { cosine, DenseIndex, dot, l2Normalize, l2NormalizeInPlace, norm } from './dense.math.js';

describe('vector math', () => {
  it('computes dot, norm and cosine', () => {
    expect(dot([1, 2, 3], new Float32Array([4, 5, 6]))).toBe(32);
    expect(norm([3, 4])).toBe(5);
    expect(cosine([1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosine([1, 2], [-2, -4])).toBeCloseTo(-1, 12);
  });

  it('treats a zero vector as similar to nothing rather than producing NaN', () => {
    expect(cosine([0, 0], [1, 1])).toBe(0);
    expect(l2Normalize([0, 0])).toEqual(new Float32Array([0, 0]));
  });

  it('normalises a copy, or in place when asked', () => {
    const input = [3, 4];
    const copy = l2Normalize(input);
    expect(input).toEqual([3, 4]);
    expect(Array.from(copy)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    const same = new Float32Array([0, 2]);
    expect(l2NormalizeInPlace(same)).toBe(same);
    expect(Array.from(same)).toEqual([0, 1]);
  });

  it('refuses vectors of different lengths', () => {
    expect(() => dot([1], [1, 2])).toThrow(AppError);
    expect(() => cosine([1], [1, 2])).toThrow(/dimensions/);
  });
});

describe('DenseIndex', () => {
  it('ranks by cosine similarity, best first, whatever the stored vectors’ lengths', () => {
    const index = new DenseIndex({ dimensions: 2 });
    index.add(1, [10, 0]);
    index.add(2, [1, 1]);
    index.add(3, [0, 0.1]);
    index.add(4, [-1, 0]);
    const got = index.search([2, 0.5], 3);
    expect(got.map((s) => s.key)).toEqual([1, 2, 3]);
    expect(got[0].score).toBeCloseTo(cosine([2, 0.5], [10, 0]), 6);
    expect(got[1].score).toBeCloseTo(cosine([2, 0.5], [1, 1]), 6);
  });

  it('ranks by raw dot product with metric dot', () => {
    const index = new DenseIndex({ dimensions: 2, metric: 'dot' });
    index.add(1, [10, 0]);
    index.add(2, [1, 1]);
    expect(index.search([0, 3], 2)).toEqual([
      { key: 2, score: 3 },
      { key: 1, score: 0 },
    ]);
  });

  it('replaces, removes (moving the last row into the hole) and grows past its initial capacity', () => {
    const index = new DenseIndex({ dimensions: 3 });
    for (let key = 0; key < 1000; key++) index.add(key, [Math.cos(key), Math.sin(key), 1]);
    expect(index.size).toBe(1000);
    expect(index.remove(5)).toBe(true);
    expect(index.remove(5)).toBe(false);
    expect(index.has(5)).toBe(false);
    expect(index.has(999)).toBe(true); // moved into row 5
    expect(index.search([Math.cos(999), Math.sin(999), 1], 1)[0].key).toBe(999);
    index.add(999, [0, 0, -1]); // replace in place
    expect(index.size).toBe(999);
    expect(index.search([0, 0, -1], 1)).toEqual([{ key: 999, score: 1 }]);
  });

  it('filters before cutting to top K', () => {
    const index = new DenseIndex({ dimensions: 2 });
    for (let key = 0; key < 10; key++) index.add(key, [1, key / 10]);
    expect(index.search([1, 0], 2, (key) => key >= 5).map((s) => s.key)).toEqual([5, 6]);
    expect(index.search([1, 0], 0)).toEqual([]);
  });

  it('rejects bad dimensions, keys and values', () => {
    expect(() => new DenseIndex({ dimensions: 0 })).toThrow(AppError);
    expect(() => new DenseIndex({ dimensions: 2, metric: 'l2' as 'dot' })).toThrow(/metric/);
    const index = new DenseIndex({ dimensions: 2 });
    expect(() => index.add(1, [1, 2, 3])).toThrow(/3 dimensions, expected 2/);
    expect(() => index.add(-1, [1, 2])).toThrow(AppError);
    expect(() => index.add(1, [1, Number.NaN])).toThrow(/finite/);
    expect(() => index.search([1], 1)).toThrow(AppError);
    expect(() => index.search([1, 0], -1)).toThrow(AppError);
    expect(index.size).toBe(0);
  });

  it('returns the same top K as exact cosine over all vectors', () => {
    const vec = fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(40), vec), { maxLength: 60 }), vec, fc.nat(10), (entries, q, k) => {
        const index = new DenseIndex({ dimensions: 4 });
        const model = new Map<number, number[]>();
        for (const [key, v] of entries) {
          index.add(key, v);
          model.set(key, v);
        }
        const got = index.search(q, k);
        const expected = [...model].map(([key, v]) => ({ key, score: cosine(q, v) })).sort((a, b) => b.score - a.score);
        expect(got).toHaveLength(Math.min(k, model.size));
        got.forEach((s, i) => {
          expect(s.score).toBeCloseTo(expected[i].score, 5); // same scores rank by rank (float32 storage)
          expect(s.score).toBeCloseTo(cosine(q, model.get(s.key)!), 5);
        });
      }),
      { numRuns: 300 },
    );
  });
});
