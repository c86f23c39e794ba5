import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fixed, median, quantile, quantileSorted, summarize } from './stats.math.js';

describe('quantile', () => {
  it('interpolates linearly between closest ranks (numpy default)', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20, 30, 40, 50], 0.9)).toBeCloseTo(46);
    expect(quantile([5], 0.99)).toBe(5);
    expect(quantile([3, 1, 2], 0)).toBe(1);
    expect(quantile([3, 1, 2], 1)).toBe(3);
  });

  it('is NaN for no samples', () => {
    expect(quantile([], 0.5)).toBeNaN();
    expect(median([])).toBeNaN();
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    quantile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });

  it('stays within [min, max] and grows with q', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const sorted = Float64Array.from(xs).sort();
        expect(quantileSorted(sorted, lo)).toBeGreaterThanOrEqual(sorted[0]!);
        expect(quantileSorted(sorted, hi)).toBeLessThanOrEqual(sorted[sorted.length - 1]!);
        expect(quantileSorted(sorted, lo)).toBeLessThanOrEqual(quantileSorted(sorted, hi) + 1e-9);
      }),
    );
  });
});

describe('summarize', () => {
  it('reports count, min, median, max and mean', () => {
    expect(summarize([4, 1, 3])).toEqual({ n: 3, min: 1, median: 3, max: 4, mean: 8 / 3 });
    expect(summarize([]).n).toBe(0);
  });

  it('formats non-finite values as a dash', () => {
    expect(fixed(1.23456, 2)).toBe('1.23');
    expect(fixed(NaN)).toBe('–');
  });
});
