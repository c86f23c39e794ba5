import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isSampled, sampleUnit } from './online.sampler.js';

describe('online sampling by request id', () => {
  it('is a pure function of the id, in [0, 1)', () => {
    fc.assert(
      fc.property(fc.string(), (id) => {
        const u = sampleUnit(id);
        return u >= 0 && u < 1 && sampleUnit(id) === u;
      }),
    );
  });

  it('rate 0 samples nothing, rate 1 everything', () => {
    fc.assert(fc.property(fc.string(), (id) => !isSampled(id, 0) && isSampled(id, 1)));
  });

  it('raising the rate only adds ids (a request sampled at 10 % is sampled at 20 %)', () => {
    fc.assert(fc.property(fc.string(), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (id, a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return !isSampled(id, lo) || isSampled(id, hi);
    }));
  });

  it('samples close to the rate over many ids', () => {
    const n = 20_000;
    for (const rate of [0.01, 0.1, 0.5]) {
      let hits = 0;
      for (let i = 0; i < n; i++) if (isSampled(`req-${i}`, rate)) hits++;
      // 4 standard deviations of a binomial(n, rate): fails by chance about once in 16,000 runs of a random hash.
      expect(Math.abs(hits / n - rate)).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / n));
    }
  });

  it('rejects a rate outside [0, 1]', () => {
    expect(() => isSampled('x', 1.5)).toThrow(/sample rate/);
    expect(() => isSampled('x', Number.NaN)).toThrow(/sample rate/);
    expect(() => isSampled('x', -0.1)).toThrow(/sample rate/);
  });
});
