import { describe, expect, it } from '@jest/globals';
import { enumCombinations } from './metric.accessors.js';
import { bounded, INVALID_VALUE, LabelGuard, oneOf, OVERFLOW_VALUE } from './metric.labels.js';

function guardWith(maxValues = 3, maxSeries?: number) {
  const events: string[] = [];
  const guard = new LabelGuard(
    { variant: bounded(maxValues, 'variant'), outcome: oneOf(['ok', 'error'], 'outcome') },
    (label, replacement) => events.push(`${label}:${replacement}`),
    maxSeries,
  );
  return { guard, events };
}

describe('LabelGuard', () => {
  it('passes declared values through and returns a fresh object with only declared labels', () => {
    const { guard, events } = guardWith();
    const input = { variant: 'canary-2026.11', outcome: 'ok', extra: 'dropped' };
    const out = guard.admit(input);
    expect(out).toEqual({ variant: 'canary-2026.11', outcome: 'ok' });
    expect(out).not.toBe(input);
    expect(events).toEqual([]);
  });

  it('maps an enum value outside the list to invalid, and says so', () => {
    const { guard, events } = guardWith();
    expect(guard.admit({ variant: 'a', outcome: 'OK' }).outcome).toBe(INVALID_VALUE);
    expect(guard.admit({ variant: 'a', outcome: '__proto__' }).outcome).toBe(INVALID_VALUE);
    expect(events).toEqual(['outcome:invalid', 'outcome:invalid']);
  });

  it.each([
    ['free text', 'What is our refund policy?'],
    ['empty', ''],
    ['newline', 'a\nb'],
    ['quote', 'a"b'],
    ['unicode', 'variante-ü'],
    ['too long', 'x'.repeat(129)],
  ])('maps a bounded value that is not an identifier (%s) to invalid', (_case, value) => {
    const { guard } = guardWith();
    expect(guard.admit({ variant: value, outcome: 'ok' }).variant).toBe(INVALID_VALUE);
  });

  it('maps a missing label to invalid rather than dropping it', () => {
    const { guard } = guardWith();
    expect(guard.admit({ outcome: 'ok' } as Record<string, string>)).toEqual({ variant: INVALID_VALUE, outcome: 'ok' });
  });

  it('keeps at most maxValues distinct values per bounded label; known values still pass after the cap', () => {
    const { guard, events } = guardWith(3);
    const got = ['a', 'b', 'c', 'd', 'e', 'a', 'c'].map((v) => guard.admit({ variant: v, outcome: 'ok' }).variant);
    expect(got).toEqual(['a', 'b', 'c', OVERFLOW_VALUE, OVERFLOW_VALUE, 'a', 'c']);
    expect(events).toEqual(['variant:other', 'variant:other']);
  });

  it('caps distinct label sets: a new combination past maxSeries has its bounded labels recorded as other', () => {
    const guard = new LabelGuard({ a: bounded(10, 'a'), b: bounded(10, 'b'), kind: oneOf(['x', 'y'], 'k') }, undefined, 4);
    const sets = [
      ['1', '1'],
      ['1', '2'],
      ['2', '1'],
      ['2', '2'],
      ['3', '3'],
    ].map(([a, b]) => guard.admit({ a, b, kind: 'y' }));
    expect(sets[3]).toEqual({ a: '2', b: '2', kind: 'y' });
    expect(sets[4]).toEqual({ a: OVERFLOW_VALUE, b: OVERFLOW_VALUE, kind: 'y' });
    // an admitted combination keeps working
    expect(guard.admit({ a: '1', b: '2', kind: 'y' })).toEqual({ a: '1', b: '2', kind: 'y' });
  });

  it('bounds the series a flood of distinct values can create', () => {
    const { guard } = guardWith(32);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(JSON.stringify(guard.admit({ variant: `v${i}`, outcome: i % 2 ? 'ok' : 'error' })));
    expect(seen.size).toBe(32 + 2); // 32 admitted values (each with the outcome it came with) + other × 2 outcomes
  });
});

describe('enumCombinations', () => {
  it('lists every combination of enum-only labels, and none when a label is configured', () => {
    expect(enumCombinations({ a: oneOf(['x', 'y'], 'a'), b: oneOf(['1', '2', '3'], 'b') })).toHaveLength(6);
    expect(enumCombinations({ a: oneOf(['x', 'y'], 'a') })).toEqual([{ a: 'x' }, { a: 'y' }]);
    expect(enumCombinations({ a: oneOf(['x'], 'a'), v: bounded(3, 'v') })).toEqual([]);
    expect(enumCombinations({})).toEqual([{}]);
  });
});
