import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AppError } from '@ragops/contracts';
import { TopKHeap } from './top-k.heap.js';

const byRank = (a: { key: number; score: number }, b: { key: number; score: number }) => b.score - a.score || a.key - b.key;

describe('TopKHeap', () => {
  it('keeps the K best, best first', () => {
    const heap = new TopKHeap(3);
    [5, 1, 9, 3, 7, 2].forEach((score, key) => heap.push(key, score));
    expect(heap.drain()).toEqual([
      { key: 2, score: 9 },
      { key: 4, score: 7 },
      { key: 0, score: 5 },
    ]);
    expect(heap.size).toBe(0);
  });

  it('breaks score ties by the smaller key, whatever the insertion order', () => {
    const heap = new TopKHeap(2);
    for (const key of [9, 4, 7, 1]) heap.push(key, 1);
    expect(heap.drain().map((s) => s.key)).toEqual([1, 4]);
  });

  it('says whether a candidate would enter', () => {
    const heap = new TopKHeap(1);
    expect(heap.accepts(1, 0)).toBe(true);
    heap.push(1, 5);
    expect(heap.accepts(2, 4)).toBe(false);
    expect(heap.accepts(0, 5)).toBe(true);
    expect(new TopKHeap(0).accepts(1, 1)).toBe(false);
  });

  it('returns nothing for K = 0 and rejects a bad K', () => {
    const heap = new TopKHeap(0);
    heap.push(1, 1);
    expect(heap.drain()).toEqual([]);
    expect(() => new TopKHeap(-1)).toThrow(AppError);
    expect(() => new TopKHeap(1.5)).toThrow(AppError);
  });

  it('equals sorting everything and taking the first K', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.nat(50), score: fc.integer({ min: -5, max: 5 }) })),
        fc.nat(20),
        (items, k) => {
          const heap = new TopKHeap(k);
          for (const { key, score } of items) heap.push(key, score);
          expect(heap.drain()).toEqual([...items].sort(byRank).slice(0, k));
        },
      ),
      { numRuns: 500 },
    );
  });
});
