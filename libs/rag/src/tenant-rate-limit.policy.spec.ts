import { describe, expect, it } from '@jest/globals';
import { AppError, ManualClock } from '@ragops/contracts';
import type { RateLimitDecision, RateLimiter } from './ports/rate-limiter.port.js';
import { type RateLimitOutage, TenantRateLimitPolicy } from './tenant-rate-limit.policy.js';

/** A limiter answering from a script; records the keys it was asked about. */
class ScriptedLimiter implements RateLimiter {
  readonly limit = 3;
  readonly keys: string[] = [];
  next: () => Promise<RateLimitDecision> = () => Promise.reject(new Error('unexpected call: consume'));

  consume(key: string): Promise<RateLimitDecision> {
    this.keys.push(key);
    return this.next();
  }

  reset(): Promise<void> {
    return Promise.reject(new Error('unexpected call: reset'));
  }
}

const allowed = (remaining: number, resetMs: number): RateLimitDecision => ({ allowed: true, limit: 3, remaining, retryAfterMs: 0, resetMs });
const refused = (retryAfterMs: number): RateLimitDecision => ({ allowed: false, limit: 3, remaining: 0, retryAfterMs, resetMs: retryAfterMs });
const storeDown = () => new AppError('UNAVAILABLE', 'rate-limit store (Redis at redis://10.0.0.9:6379) is unavailable (consume: Connection is closed.)');

function policy(fail: 'open' | 'closed' = 'open') {
  const limiter = new ScriptedLimiter();
  const clock = new ManualClock(1_000_000);
  const outages: RateLimitOutage[] = [];
  const limit = new TenantRateLimitPolicy({ limiter, windowSeconds: 60, fail, clock, onOutage: (o) => outages.push(o) });
  return { limit, limiter, clock, outages };
}

describe('TenantRateLimitPolicy', () => {
  it('admits within the budget, keyed by tenant, with the quota left and whole seconds to the window end', async () => {
    const { limit, limiter } = policy();
    limiter.next = async () => allowed(2, 41_200);
    expect(await limit.admit('acme')).toEqual({ outcome: 'admitted', quota: { limit: 3, windowSeconds: 60, remaining: 2, resetSeconds: 42 } });
    expect(limiter.keys).toEqual(['acme']);
  });

  it('rejects a spent budget with RATE_LIMITED that names the tenant, the limit and when to retry', async () => {
    const { limit, limiter } = policy();
    limiter.next = async () => refused(12_001);
    const admission = await limit.admit('acme');
    expect(admission.outcome).toBe('rejected');
    if (admission.outcome !== 'rejected') return;
    expect(admission.quota).toEqual({ limit: 3, windowSeconds: 60, remaining: 0, resetSeconds: 13 });
    expect(admission.error).toBeInstanceOf(AppError);
    expect(admission.error.toWire()).toEqual({
      code: 'RATE_LIMITED',
      message: 'tenant "acme" exceeded 3 requests per 60s; retry after 13 s',
      details: { retryAfterSeconds: 13, limit: 'requests' },
    });
  });

  it('never tells a client to retry after 0 s, and falls back to the window when the store gave no finite wait', async () => {
    const { limit, limiter } = policy();
    limiter.next = async () => refused(1);
    expect(await limit.admit('a')).toMatchObject({ error: { details: { retryAfterSeconds: 1 } } });
    limiter.next = async () => refused(Number.POSITIVE_INFINITY);
    expect(await limit.admit('a')).toMatchObject({ error: { details: { retryAfterSeconds: 60 } } });
  });

  describe('when the store is unavailable', () => {
    it('fail open: serves requests unmetered and reports the outage at most every 10 s, with the requests since the last report', async () => {
      const { limit, limiter, clock, outages } = policy('open');
      limiter.next = () => Promise.reject(storeDown());
      expect(await limit.admit('acme')).toEqual({ outcome: 'unmetered' });
      expect(outages).toHaveLength(1);
      expect(outages[0]).toMatchObject({ requests: 1, error: { code: 'UNAVAILABLE' } });

      for (let i = 0; i < 5; i++) {
        clock.advance(1_000);
        expect(await limit.admit('acme')).toEqual({ outcome: 'unmetered' });
      }
      expect(outages).toHaveLength(1); // 5 s after the first report: nothing new yet

      clock.advance(5_000);
      expect(await limit.admit('beta')).toEqual({ outcome: 'unmetered' });
      expect(outages.map((o) => o.requests)).toEqual([1, 6]);
    });

    it('fail open: admits and meters again as soon as the store answers', async () => {
      const { limit, limiter } = policy('open');
      limiter.next = () => Promise.reject(storeDown());
      expect((await limit.admit('acme')).outcome).toBe('unmetered');
      limiter.next = async () => allowed(2, 60_000);
      expect((await limit.admit('acme')).outcome).toBe('admitted');
    });

    it('fail closed: refuses with UNAVAILABLE (the store address stays in the cause, not the message) and reports nothing', async () => {
      const { limit, limiter, outages } = policy('closed');
      const down = storeDown();
      limiter.next = () => Promise.reject(down);
      const error = await limit.admit('acme').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'UNAVAILABLE' });
      expect((error as AppError).cause).toBe(down);
      expect((error as AppError).message).toContain('rate limits cannot be checked');
      expect((error as AppError).message).not.toContain('10.0.0.9');
      expect(outages).toEqual([]);
    });

    it('any other failure is not an outage: it propagates unchanged in either mode', async () => {
      for (const fail of ['open', 'closed'] as const) {
        const { limit, limiter, outages } = policy(fail);
        const bug = new AppError('VALIDATION_FAILED', 'rate-limit key must be non-empty');
        limiter.next = () => Promise.reject(bug);
        await expect(limit.admit('acme')).rejects.toBe(bug);
        const crash = new TypeError('boom');
        limiter.next = () => Promise.reject(crash);
        await expect(limit.admit('acme')).rejects.toBe(crash);
        expect(outages).toEqual([]);
      }
    });
  });
});
