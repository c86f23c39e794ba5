import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@ragops/contracts';
import { describeCacheBehaviour } from '../test/cache.behaviour.js';
import { MemoryCache } from './memory.cache.js';

describeCacheBehaviour('MemoryCache', async () => {
  const clock = new ManualClock(1_000);
  return { cache: new MemoryCache({ clock }), shortTtlMs: 150, passShortTtl: async () => clock.advance(150) };
});

describe('MemoryCache', () => {
  const ttl = { ttlMs: 10_000 };

  it('expires exactly at set time + TTL on the injected clock', async () => {
    const clock = new ManualClock(5_000);
    const cache = new MemoryCache({ clock });
    await cache.set('a', 'k', 'v', { ttlMs: 100 });
    clock.advance(99);
    expect(await cache.get('a', 'k')).toBe('v');
    clock.advance(1);
    expect(await cache.get('a', 'k')).toBeUndefined();
  });

  it('evicts the least recently used entry across namespaces once maxEntries is reached', async () => {
    const cache = new MemoryCache({ clock: new ManualClock(), maxEntries: 3 });
    await cache.set('a', 'k1', '1', ttl);
    await cache.set('b', 'k2', '2', ttl);
    await cache.set('a', 'k3', '3', ttl);
    expect(await cache.get('a', 'k1')).toBe('1'); // k1 is now the most recently used
    await cache.set('a', 'k4', '4', ttl);
    expect(await cache.get('b', 'k2')).toBeUndefined();
    expect(await cache.get('a', 'k1')).toBe('1');
    expect(await cache.get('a', 'k3')).toBe('3');
    expect(await cache.get('a', 'k4')).toBe('4');
    expect(cache.size).toBe(3);
  });

  it('drops an evicted entry from its tags, and an overwritten one from tags it no longer carries', async () => {
    const cache = new MemoryCache({ clock: new ManualClock(), maxEntries: 2 });
    await cache.set('a', 'old', 'x', { ...ttl, tags: ['t'] });
    await cache.set('a', 'k', 'x', { ...ttl, tags: ['t'] });
    await cache.set('a', 'k', 'y', { ...ttl, tags: ['u'] });
    await cache.set('a', 'new', 'x', ttl); // evicts "old"
    expect(await cache.invalidateTag('a', 't')).toBe(0);
    expect(await cache.get('a', 'k')).toBe('y');
    expect(await cache.invalidateTag('a', 'u')).toBe(1);
  });

  it('stays within maxEntries under many distinct keys', async () => {
    const cache = new MemoryCache({ clock: new ManualClock(), maxEntries: 100 });
    for (let i = 0; i < 1_000; i++) await cache.set('a', `k${i}`, 'v', { ...ttl, tags: [`t${i % 7}`] });
    expect(cache.size).toBe(100);
    expect(await cache.get('a', 'k999')).toBe('v');
    expect(await cache.get('a', 'k899')).toBeUndefined();
    let removed = 0;
    for (let t = 0; t < 7; t++) removed += await cache.invalidateTag('a', `t${t}`);
    expect(removed).toBe(100);
  });

  it('rejects a maxEntries below 1', () => {
    expect(() => new MemoryCache({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});
