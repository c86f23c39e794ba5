import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppError } from '@ragops/contracts';
import { freePort } from '@ragops/testing';
import { Redis } from 'ioredis';
import { RedisCache } from '../src/redis.cache.js';
import { describeCacheBehaviour } from './cache.behaviour.js';

const url = 'redis://127.0.0.1:6379';
// The machine's Redis is shared: everything this run writes lives under its own prefix and is removed after.
const keyPrefix = `ragops-test-cache-${randomUUID()}`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const opened: RedisCache[] = [];
let raw: Redis;

async function open(extra: Partial<Parameters<typeof RedisCache.connect>[0]> = {}): Promise<RedisCache> {
  const cache = await RedisCache.connect({ url, keyPrefix, connectTimeoutMs: 2000, commandTimeoutMs: 1000, ...extra });
  opened.push(cache);
  return cache;
}

async function ownKeys(): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await raw.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

beforeAll(async () => {
  raw = new Redis(url, { lazyConnect: true });
  await raw.connect();
});

afterAll(async () => {
  for (const c of opened) await c.close();
  const keys = await ownKeys();
  if (keys.length > 0) await raw.unlink(...keys);
  expect(await ownKeys()).toEqual([]);
  raw.disconnect();
});

describeCacheBehaviour('RedisCache', async () => ({
  cache: await open(),
  shortTtlMs: 150,
  // Redis expires a PX key once its time has passed (checked on access), so a margin over the TTL suffices.
  passShortTtl: () => sleep(250),
  propertyRuns: 50,
}));

describe('RedisCache', () => {
  it('lays keys out as <keyPrefix>:<ns>:<key> and tag sets that outlive their members', async () => {
    const cache = await open();
    await cache.set('layout', 'k1', 'v', { ttlMs: 5_000, tags: ['idx-1'] });
    await cache.set('layout', 'k2', 'v', { ttlMs: 20_000, tags: ['idx-1'] });
    await cache.set('layout', 'k3', 'v', { ttlMs: 1_000, tags: ['idx-1'] });
    const pttl = await raw.pttl(`${keyPrefix}:layout:k1`);
    expect(pttl).toBeGreaterThan(4_000);
    expect(pttl).toBeLessThanOrEqual(5_000);
    const tagKey = `${keyPrefix}:layout:tag:idx-1`;
    expect((await raw.smembers(tagKey)).sort()).toEqual(['k1', 'k2', 'k3']);
    expect(await raw.pttl(tagKey)).toBeGreaterThan(19_000); // the longest member's, not the last one's
    // Absolute expiry times, so the two reads' timing cannot skew the comparison.
    expect(await raw.pexpiretime(`${keyPrefix}:layout:k2`)).toBeLessThanOrEqual(await raw.pexpiretime(tagKey));
    expect(await cache.invalidateTag('layout', 'idx-1')).toBe(3);
    expect(await raw.exists(tagKey)).toBe(0);
  });

  it('invalidates more keys than one SCAN / SSCAN page holds', async () => {
    const cache = await open();
    const n = 1_200;
    const tx = raw.pipeline();
    for (let i = 0; i < n; i++) tx.set(`${keyPrefix}:bulk:k${i}`, 'v', 'PX', 60_000);
    await tx.exec();
    expect(await cache.invalidatePrefix('bulk', 'k')).toBe(n);
    for (let i = 0; i < n; i++) await cache.set('bulk-tag', `k${i}`, 'v', { ttlMs: 60_000, tags: ['all'] });
    expect(await cache.invalidateTag('bulk-tag', 'all')).toBe(n);
    expect(await cache.invalidatePrefix('bulk-tag', '')).toBe(0);
  });

  it('fails connect with UNAVAILABLE, within its timeout, when nothing listens', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await RedisCache.connect({ url: `redis://:secret@127.0.0.1:${port}`, keyPrefix, connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('UNAVAILABLE');
    expect((err as AppError).message).toContain(`127.0.0.1:${port}`);
    expect((err as AppError).message).not.toContain('secret');
  });

  it('rejects with UNAVAILABLE after close()', async () => {
    const cache = await RedisCache.connect({ url, keyPrefix });
    await cache.close();
    for (const call of [cache.get('x', 'k'), cache.set('x', 'k', 'v', { ttlMs: 1000 }), cache.health()]) {
      const err = await call.catch((e: unknown) => e);
      expect((err as AppError).code).toBe('UNAVAILABLE');
    }
  });
});
