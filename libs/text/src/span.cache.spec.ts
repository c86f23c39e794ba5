import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SpanCache, spanHash } from './span.cache.js';

describe('SpanCache', () => {
  it('finds a key by any equal substring, wherever it sits', () => {
    const cache = new SpanCache<number>(8);
    cache.set('xxhelloxx', 2, 7, spanHash('xxhelloxx', 2, 7), 1);
    expect(cache.get('hello', 0, 5, spanHash('hello', 0, 5))).toBe(1);
    expect(cache.get('say hello', 4, 9, spanHash('say hello', 4, 9))).toBe(1);
    expect(cache.get('hellO', 0, 5, spanHash('hellO', 0, 5))).toBeUndefined();
    expect(cache.get('hell', 0, 4, spanHash('hell', 0, 4))).toBeUndefined();
  });

  it('tells keys apart even when their hashes collide', () => {
    const cache = new SpanCache<string>(8);
    cache.set('ab', 0, 2, 42, 'ab');
    cache.set('cd', 0, 2, 42, 'cd');
    cache.set('abc', 0, 3, 42, 'abc');
    expect(cache.get('ab', 0, 2, 42)).toBe('ab');
    expect(cache.get('cd', 0, 2, 42)).toBe('cd');
    expect(cache.get('abc', 0, 3, 42)).toBe('abc');
    expect(cache.get('ef', 0, 2, 42)).toBeUndefined();
  });

  it('stays within maxEntries (clearing when full) and skips keys over maxKeyLength', () => {
    const cache = new SpanCache<number>(4, 3);
    for (let i = 0; i < 10; i++) {
      const key = `k${i}`;
      cache.set(key, 0, key.length, spanHash(key, 0, key.length), i);
      expect(cache.size).toBeLessThanOrEqual(4);
    }
    cache.set('long', 0, 4, spanHash('long', 0, 4), 1);
    expect(cache.get('long', 0, 4, spanHash('long', 0, 4))).toBeUndefined();
  });

  it('behaves like a Map while it grows, for any keys', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.integer()), { maxLength: 3000 }), (pairs) => {
        const cache = new SpanCache<number>(1 << 12);
        const map = new Map<string, number>();
        for (const [key, value] of pairs) {
          const h = spanHash(key, 0, key.length);
          if (cache.get(key, 0, key.length, h) === undefined) {
            cache.set(key, 0, key.length, h, value);
            map.set(key, value);
          }
        }
        for (const [key, value] of map) expect(cache.get(key, 0, key.length, spanHash(key, 0, key.length))).toBe(value);
      }),
      { numRuns: 50 },
    );
  });
});
