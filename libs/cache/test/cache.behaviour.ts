import { describe, expect, it, beforeAll } from '@jest/globals';
import { AppError } from '@ragops/contracts';
import type { Cache } from '@ragops/rag';
import fc from 'fast-check';

/** What the shared suite needs from each adapter's spec. */
export interface CacheBehaviourFixture {
  cache: Cache;
  /** A TTL short enough for the suite to outlive. */
  shortTtlMs: number;
  /** Lets `shortTtlMs` pass: a ManualClock advance, or a real sleep with margin for Redis' expiry. */
  passShortTtl(): Promise<void>;
  /** fast-check runs for the round-trip properties (a network round trip each for Redis). */
  propertyRuns?: number;
}

const LONG = { ttlMs: 60_000 };

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
}

/** The behaviour every {@link Cache} adapter must share; each test works in a namespace of its own. */
export function describeCacheBehaviour(name: string, setup: () => Promise<CacheBehaviourFixture>): void {
  describe(`${name} (Cache behaviour)`, () => {
    let fx: CacheBehaviourFixture;
    let cache: Cache;
    let nsCounter = 0;
    const freshNs = () => `ns${++nsCounter}`;

    beforeAll(async () => {
      fx = await setup();
      cache = fx.cache;
    });

    it('gets what was set, replaces on set and forgets on delete', async () => {
      const ns = freshNs();
      expect(await cache.get(ns, 'k')).toBeUndefined();
      await cache.set(ns, 'k', 'v1', LONG);
      expect(await cache.get(ns, 'k')).toBe('v1');
      await cache.set(ns, 'k', 'v2', LONG);
      expect(await cache.get(ns, 'k')).toBe('v2');
      await cache.set(ns, 'empty', '', LONG);
      expect(await cache.get(ns, 'empty')).toBe('');
      expect(await cache.delete(ns, 'k')).toBe(true);
      expect(await cache.delete(ns, 'k')).toBe(false);
      expect(await cache.get(ns, 'k')).toBeUndefined();
    });

    it('expires entries after their TTL, each by its own TTL', async () => {
      const ns = freshNs();
      await cache.set(ns, 'short', 's', { ttlMs: fx.shortTtlMs });
      await cache.set(ns, 'long', 'l', LONG);
      await cache.set(ns, 'renewed', 'r1', { ttlMs: fx.shortTtlMs });
      await cache.set(ns, 'renewed', 'r2', LONG);
      expect(await cache.get(ns, 'short')).toBe('s');
      await fx.passShortTtl();
      expect(await cache.get(ns, 'short')).toBeUndefined();
      expect(await cache.delete(ns, 'short')).toBe(false);
      expect(await cache.get(ns, 'long')).toBe('l');
      expect(await cache.get(ns, 'renewed')).toBe('r2');
    });

    it('isolates namespaces for reads, deletes and both invalidations', async () => {
      const a = freshNs();
      const b = freshNs();
      for (const ns of [a, b]) await cache.set(ns, 'k', `from ${ns}`, { ...LONG, tags: ['t'] });
      expect(await cache.get(a, 'k')).toBe(`from ${a}`);
      expect(await cache.get(b, 'k')).toBe(`from ${b}`);
      expect(await cache.delete(a, 'k')).toBe(true);
      expect(await cache.get(b, 'k')).toBe(`from ${b}`);
      await cache.set(a, 'k', 'again', { ...LONG, tags: ['t'] });
      expect(await cache.invalidateTag(a, 't')).toBe(1);
      expect(await cache.invalidatePrefix(a, '')).toBe(0);
      expect(await cache.get(b, 'k')).toBe(`from ${b}`);
    });

    it('invalidates by key prefix, literally (glob characters are not patterns)', async () => {
      const ns = freshNs();
      const keys = ['user:1', 'user:2', 'users', 'other', 'a*b', 'a*c', 'aXb', '[ab]1', 'a1', 'b\\1'];
      for (const k of keys) await cache.set(ns, k, k, LONG);
      expect(await cache.invalidatePrefix(ns, 'user:')).toBe(2);
      expect(await cache.get(ns, 'users')).toBe('users');
      expect(await cache.invalidatePrefix(ns, 'a*')).toBe(2);
      expect(await cache.get(ns, 'aXb')).toBe('aXb');
      expect(await cache.invalidatePrefix(ns, '[ab]')).toBe(1);
      expect(await cache.get(ns, 'a1')).toBe('a1');
      expect(await cache.invalidatePrefix(ns, 'b\\')).toBe(1);
      expect(await cache.invalidatePrefix(ns, 'nothing')).toBe(0);
      expect(await cache.invalidatePrefix(ns, '')).toBe(4); // users, other, aXb, a1
      expect(await cache.get(ns, 'other')).toBeUndefined();
    });

    it('does not count expired entries as invalidated', async () => {
      const ns = freshNs();
      await cache.set(ns, 'p-short', 'x', { ttlMs: fx.shortTtlMs, tags: ['t'] });
      await cache.set(ns, 'p-long', 'x', LONG);
      await fx.passShortTtl();
      expect(await cache.invalidatePrefix(ns, 'p-')).toBe(1);
      expect(await cache.invalidateTag(ns, 't')).toBe(0);
    });

    it('invalidates by tag: every entry carrying it, nothing else', async () => {
      const ns = freshNs();
      await cache.set(ns, 'one', '1', { ...LONG, tags: ['v1'] });
      await cache.set(ns, 'both', '12', { ...LONG, tags: ['v1', 'v2'] });
      await cache.set(ns, 'two', '2', { ...LONG, tags: ['v2'] });
      await cache.set(ns, 'none', '0', LONG);
      expect(await cache.invalidateTag(ns, 'v1')).toBe(2);
      expect(await cache.get(ns, 'one')).toBeUndefined();
      expect(await cache.get(ns, 'both')).toBeUndefined();
      expect(await cache.get(ns, 'two')).toBe('2');
      expect(await cache.get(ns, 'none')).toBe('0');
      expect(await cache.invalidateTag(ns, 'v1')).toBe(0);
      expect(await cache.invalidateTag(ns, 'never-used')).toBe(0);

      // Entries tagged after an invalidation are kept and can be invalidated in turn.
      await cache.set(ns, 'one', '1b', { ...LONG, tags: ['v1'] });
      expect(await cache.get(ns, 'one')).toBe('1b');
      expect(await cache.invalidateTag(ns, 'v1')).toBe(1);
      expect(await cache.invalidateTag(ns, 'v2')).toBe(1);
      expect(await cache.get(ns, 'none')).toBe('0');
    });

    it('keeps tags working when entries sharing a tag have different TTLs, in either order', async () => {
      const ns = freshNs();
      await cache.set(ns, 'long-first', 'x', { ...LONG, tags: ['t'] });
      await cache.set(ns, 'short-second', 'x', { ttlMs: fx.shortTtlMs, tags: ['t'] });
      await cache.set(ns, 'short-first', 'x', { ttlMs: fx.shortTtlMs, tags: ['u'] });
      await cache.set(ns, 'long-second', 'x', { ...LONG, tags: ['u'] });
      await fx.passShortTtl();
      expect(await cache.invalidateTag(ns, 't')).toBe(1);
      expect(await cache.invalidateTag(ns, 'u')).toBe(1);
      expect(await cache.get(ns, 'long-first')).toBeUndefined();
      expect(await cache.get(ns, 'long-second')).toBeUndefined();
    });

    it('keeps tag membership through prefix invalidations of other keys', async () => {
      const ns = freshNs();
      await cache.set(ns, 'p1', 'x', { ...LONG, tags: ['t'] });
      await cache.set(ns, 'q1', 'x', { ...LONG, tags: ['t'] });
      expect(await cache.invalidatePrefix(ns, 'p')).toBe(1);
      expect(await cache.invalidatePrefix(ns, 't')).toBe(0);
      expect(await cache.invalidateTag(ns, 't')).toBe(1);
      expect(await cache.get(ns, 'q1')).toBeUndefined();
    });

    it('round-trips unicode values and keys unchanged', async () => {
      const ns = freshNs();
      const samples = ['héllo wörld', '日本語のテキスト', '👩‍👩‍👧 family 🇪🇺', 'e\u0301 combining', 'nul\u0000inside', '\u{10FFFF}', 'x'.repeat(100_000)];
      for (const [i, v] of samples.entries()) {
        await cache.set(ns, `k${i}-${v.slice(0, 12)}`, v, LONG);
        expect(await cache.get(ns, `k${i}-${v.slice(0, 12)}`)).toBe(v);
      }
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((k) => !k.startsWith('tag:')),
          fc.string({ unit: 'binary', maxLength: 200 }),
          async (key, value) => {
            await cache.set(ns, key, value, LONG);
            expect(await cache.get(ns, key)).toBe(value);
          },
        ),
        { numRuns: fx.propertyRuns ?? 100 },
      );
    });

    it('rejects bad namespaces, keys, TTLs and tags with VALIDATION_FAILED', async () => {
      await rejectsWith(cache.get('', 'k'), 'VALIDATION_FAILED');
      await rejectsWith(cache.get('a:b', 'k'), 'VALIDATION_FAILED');
      await rejectsWith(cache.get('ns', ''), 'VALIDATION_FAILED');
      await rejectsWith(cache.set('ns', 'tag:x', 'v', LONG), 'VALIDATION_FAILED');
      await rejectsWith(cache.set('ns', 'k', 'v', { ttlMs: 0 }), 'VALIDATION_FAILED');
      await rejectsWith(cache.set('ns', 'k', 'v', { ttlMs: 1.5 }), 'VALIDATION_FAILED');
      await rejectsWith(cache.set('ns', 'k', 'v', { ttlMs: Number.POSITIVE_INFINITY }), 'VALIDATION_FAILED');
      await rejectsWith(cache.set('ns', 'k', 'v', { ...LONG, tags: [''] }), 'VALIDATION_FAILED');
      await rejectsWith(cache.invalidateTag('ns', ''), 'VALIDATION_FAILED');
      await rejectsWith(cache.invalidatePrefix('a:b', ''), 'VALIDATION_FAILED');
    });

    it('reports healthy while the backend is up', async () => {
      await expect(cache.health()).resolves.toBeUndefined();
    });
  });
}
