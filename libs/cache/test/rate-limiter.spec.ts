import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { AppError } from '@ragops/contracts';
import { PrivateRedisServer } from '@ragops/testing';
import { FlexibleRateLimiter } from '../src/flexible.rate-limiter.js';

const sharedRedis = { url: 'redis://127.0.0.1:6379' };
const policy = (points: number, durationSeconds = 60) => ({ points, durationSeconds, keyPrefix: `ragops-test-rl-${randomUUID()}` });

describe.each([
  ['memory', (p: ReturnType<typeof policy>) => Promise.resolve(FlexibleRateLimiter.memory(p))],
  ['redis', (p: ReturnType<typeof policy>) => FlexibleRateLimiter.redis(p, sharedRedis)],
])('FlexibleRateLimiter (%s)', (_name, make) => {
  const opened: FlexibleRateLimiter[] = [];
  const open = async (p: ReturnType<typeof policy>) => {
    const limiter = await make(p);
    opened.push(limiter);
    return limiter;
  };
  afterAll(async () => {
    for (const l of opened) await l.close();
  });

  it('allows `points` per window, then refuses with a Retry-After inside the window', async () => {
    const limiter = await open(policy(3));
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.consume('tenant-a'));
    expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([[true, 2], [true, 1], [true, 0], [false, 0]]);
    expect(decisions[3]!.retryAfterMs).toBeGreaterThan(55_000);
    expect(decisions[3]!.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(decisions[3]!.limit).toBe(3);
    // every decision says when the window ends: the refusal's retry-after is that same instant
    for (const d of decisions) expect(d.resetMs).toBeGreaterThan(55_000);
    for (const d of decisions) expect(d.resetMs).toBeLessThanOrEqual(60_000);
    expect(decisions[3]!.resetMs).toBe(decisions[3]!.retryAfterMs);
  });

  it('keeps keys apart', async () => {
    const limiter = await open(policy(1));
    expect((await limiter.consume('a')).allowed).toBe(true);
    expect((await limiter.consume('a')).allowed).toBe(false);
    expect((await limiter.consume('b')).allowed).toBe(true);
  });

  it('a refused request costs nothing: a smaller one that fits still passes', async () => {
    const limiter = await open(policy(10));
    expect((await limiter.consume('k', 7)).allowed).toBe(true);
    for (let i = 0; i < 5; i++) expect((await limiter.consume('k', 5)).allowed).toBe(false);
    expect(await limiter.consume('k', 3)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refuses a request larger than the whole budget without touching the store', async () => {
    const limiter = await open(policy(2));
    expect(await limiter.consume('k', 3)).toMatchObject({ allowed: false, retryAfterMs: Number.POSITIVE_INFINITY });
    expect((await limiter.consume('k', 2)).allowed).toBe(true);
  });

  it('starts a new window when the old one ends, and reset gives the budget back at once', async () => {
    const limiter = await open(policy(1, 1));
    expect((await limiter.consume('k')).allowed).toBe(true);
    const refused = await limiter.consume('k');
    expect(refused.allowed).toBe(false);
    await new Promise((r) => setTimeout(r, refused.retryAfterMs + 50));
    expect((await limiter.consume('k')).allowed).toBe(true);
    await limiter.reset('k');
    expect((await limiter.consume('k')).allowed).toBe(true);
  });

  it.each([
    ['an empty key', (l: FlexibleRateLimiter) => l.consume('')],
    ['zero points', (l: FlexibleRateLimiter) => l.consume('k', 0)],
    ['fractional points', (l: FlexibleRateLimiter) => l.consume('k', 1.5)],
  ])('rejects %s with VALIDATION_FAILED', async (_what, call) => {
    const limiter = await open(policy(5));
    await expect(call(limiter)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('FlexibleRateLimiter policies', () => {
  it.each([
    [{ points: 0, durationSeconds: 1, keyPrefix: 'p' }, /points/],
    [{ points: 1, durationSeconds: 0.5, keyPrefix: 'p' }, /durationSeconds/],
    [{ points: 1, durationSeconds: 1, keyPrefix: 'has space' }, /keyPrefix/],
  ])('rejects %j', (p, message) => {
    expect(() => FlexibleRateLimiter.memory(p)).toThrow(message);
  });
});

describe('FlexibleRateLimiter on Redis shared by replicas, through a Redis outage', () => {
  let server: PrivateRedisServer;
  beforeAll(async () => {
    server = await PrivateRedisServer.start();
  });
  afterAll(() => server.kill());

  it('two replicas draw on one budget', async () => {
    const p = policy(4);
    const [a, b] = await Promise.all([FlexibleRateLimiter.redis(p, { url: server.url }), FlexibleRateLimiter.redis(p, { url: server.url })]);
    try {
      const allowed = [];
      for (let i = 0; i < 6; i++) allowed.push((await (i % 2 ? b : a).consume('tenant')).allowed);
      expect(allowed).toEqual([true, true, true, true, false, false]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('reports UNAVAILABLE quickly while Redis is down (the caller picks open or closed), and recovers by itself', async () => {
    const limiter = await FlexibleRateLimiter.redis(policy(100), { url: server.url, commandTimeoutMs: 300, maxReconnectDelayMs: 100 });
    try {
      expect((await limiter.consume('k')).allowed).toBe(true);
      await server.kill();
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const error = await limiter.consume('k').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AppError);
        expect(error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('rate-limit store') });
        expect(Date.now() - started).toBeLessThan(1_000);
      }
      await server.restart();
      const deadline = Date.now() + 5_000;
      let decision;
      while (Date.now() < deadline) {
        decision = await limiter.consume('k').catch(() => undefined);
        if (decision) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(decision).toMatchObject({ allowed: true, remaining: 99 }); // the restarted server kept nothing
    } finally {
      await limiter.close();
    }
  });

  it('a frozen Redis times out as UNAVAILABLE instead of hanging the request', async () => {
    const limiter = await FlexibleRateLimiter.redis(policy(100), { url: server.url, commandTimeoutMs: 200 });
    try {
      server.freeze();
      const started = Date.now();
      await expect(limiter.consume('k')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      server.thaw();
      await limiter.close();
    }
  });

  it('refuses to start when Redis does not answer', async () => {
    await expect(FlexibleRateLimiter.redis(policy(1), { url: 'redis://127.0.0.1:1', connectTimeoutMs: 300 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
