import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppError } from '@ragops/contracts';
import { PrivateRedisServer } from '@ragops/testing';
import { RedisCache } from '../src/redis.cache.js';

// A private, throwaway redis-server that the tests kill, freeze and restart; the machine's shared Redis is never touched here.
let server: PrivateRedisServer;
let cache: RedisCache;
const keyPrefix = `ragops-test-restart-${randomUUID()}`;
const ttl = { ttlMs: 60_000 };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Time a call takes to settle and its AppError code ('ok' when it resolved). */
async function settle(call: () => Promise<unknown>): Promise<{ code: string; ms: number }> {
  const started = Date.now();
  const code = await call().then(
    () => 'ok',
    (e: unknown) => (e instanceof AppError ? e.code : `not an AppError: ${String(e)}`),
  );
  return { code, ms: Date.now() - started };
}

/** Polls until the cache answers again, for at most `withinMs`. */
async function waitUntilServing(withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if ((await settle(() => cache.health())).code === 'ok') return Date.now() - started;
    await sleep(25);
  }
  throw new Error(`cache did not serve again within ${withinMs} ms`);
}

beforeAll(async () => {
  server = await PrivateRedisServer.start();
  cache = await RedisCache.connect({
    url: server.url,
    keyPrefix,
    connectTimeoutMs: 1_000,
    commandTimeoutMs: 300,
    maxReconnectDelayMs: 200,
  });
});

afterAll(async () => {
  await cache?.close();
  await server?.kill();
});

describe('RedisCache when its Redis dies and comes back', () => {
  it('rejects with UNAVAILABLE within a second while Redis is down, then reconnects by itself', async () => {
    await cache.set('s', 'k', 'before', ttl);
    expect(await cache.get('s', 'k')).toBe('before');

    await server.kill();
    // Several rounds, so both "just dropped" and "between reconnect attempts" are covered.
    for (let round = 0; round < 5; round++) {
      for (const call of [() => cache.get('s', 'k'), () => cache.set('s', 'k', 'v', ttl), () => cache.invalidateTag('s', 't'), () => cache.health()]) {
        const { code, ms } = await settle(call);
        expect(code).toBe('UNAVAILABLE');
        expect(ms).toBeLessThan(1_000);
      }
      await sleep(100);
    }

    await server.restart();
    const reconnectMs = await waitUntilServing(5_000);
    expect(reconnectMs).toBeLessThan(2_000); // backoff is capped at 200 ms here
    expect(await cache.get('s', 'k')).toBeUndefined(); // the private server keeps nothing across restarts
    await cache.set('s', 'k', 'after', { ...ttl, tags: ['t'] });
    expect(await cache.get('s', 'k')).toBe('after');
    expect(await cache.invalidateTag('s', 't')).toBe(1);
  });

  it('rejects a call in flight when the server dies, instead of holding it for a reconnect', async () => {
    await waitUntilServing(5_000);
    server.freeze(); // the next command is sent but never answered…
    const inFlight = settle(() => cache.get('s', 'k'));
    await sleep(50);
    await server.kill(); // …until the connection drops under it
    const { code, ms } = await inFlight;
    expect(code).toBe('UNAVAILABLE');
    expect(ms).toBeLessThan(1_000);
    await server.restart();
    await waitUntilServing(5_000);
  });

  it('times out on a frozen server with UNAVAILABLE and stays in step once it resumes', async () => {
    await waitUntilServing(5_000);
    await cache.set('s', 'frozen', 'v1', ttl);
    server.freeze();
    const { code, ms } = await settle(() => cache.get('s', 'frozen'));
    server.thaw();
    expect(code).toBe('UNAVAILABLE');
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1_000);
    // The late reply to the timed-out GET must not be mistaken for the answer to a later command.
    await cache.set('s', 'frozen', 'v2', ttl);
    expect(await cache.get('s', 'frozen')).toBe('v2');
    await cache.set('s', 'other', 'o', ttl);
    expect(await cache.get('s', 'other')).toBe('o');
  });
});
