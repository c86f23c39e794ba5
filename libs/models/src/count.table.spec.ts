import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CountTable } from './count.table.js';

/** The table's content as [key, count, first] in insertion order. */
function entries(table: CountTable): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < table.size; s++) {
    const slot = table.slots[s]!;
    out.push([table.key(slot), table.count(slot), table.first(slot)]);
  }
  return out;
}

describe('CountTable', () => {
  it('counts keys, remembers where each first appeared, in insertion order', () => {
    const t = new CountTable();
    t.reset(4);
    [7, -3, 7, 0, 7, -3].forEach((k, i) => t.add(k, i));
    expect(entries(t)).toEqual([
      [7, 3, 0],
      [-3, 2, 1],
      [0, 1, 3],
    ]);
    t.reset(4);
    expect(t.size).toBe(0);
    t.add(0, 9);
    expect(entries(t)).toEqual([[0, 1, 9]]);
  });

  it('agrees with a Map across resets, growth and colliding keys (property)', () => {
    const t = new CountTable();
    const key = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
    fc.assert(
      fc.property(fc.array(fc.array(key, { maxLength: 300 }), { minLength: 1, maxLength: 4 }), (batches) => {
        for (const keys of batches) {
          t.reset(keys.length);
          const expected = new Map<number, [number, number]>();
          keys.forEach((k, i) => {
            t.add(k, i);
            const seen = expected.get(k);
            if (seen) seen[0]++;
            else expected.set(k, [1, i]);
          });
          expect(entries(t)).toEqual([...expected].map(([k, [count, first]]) => [k, count, first]));
        }
      }),
    );
  });
});
