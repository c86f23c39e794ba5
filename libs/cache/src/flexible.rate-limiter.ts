import { AppError } from '@ragops/contracts';
import type { RateLimitDecision, RateLimiter } from '@ragops/rag';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { openRedis, type RedisConnectionOptions } from './redis.connection.js';

export interface RateLimitPolicy {
  /** Points per window. */
  points: number;
  /** Window length in whole seconds. */
  durationSeconds: number;
  /** Separates limiters that share a store (`<keyPrefix>:<key>`): one per policy, e.g. `ragops:rl:tenant-rpm`. */
  keyPrefix: string;
}

/**
 * {@link RateLimiter} on rate-limiter-flexible: fixed windows, counted atomically in Redis (one Lua INCR+PEXPIRE per
 * call, shared by every replica) or in process memory. A refusal is a normal result (`allowed: false`), a store
 * failure an `UNAVAILABLE` error, so the caller chooses to fail open or closed.
 */
export class FlexibleRateLimiter implements RateLimiter {
  private constructor(
    private readonly limiter: RateLimiterAbstract,
    readonly limit: number,
    private readonly where: string,
    private readonly owned?: Redis,
  ) {}

  static memory(policy: RateLimitPolicy): FlexibleRateLimiter {
    validate(policy);
    return new FlexibleRateLimiter(new RateLimiterMemory({ points: policy.points, duration: policy.durationSeconds, keyPrefix: policy.keyPrefix }), policy.points, 'memory');
  }

  /** Opens its own Redis connection (closed by {@link close}); rejects with UNAVAILABLE when Redis does not answer. */
  static async redis(policy: RateLimitPolicy, connection: RedisConnectionOptions): Promise<FlexibleRateLimiter> {
    validate(policy);
    const { redis, where } = await openRedis(connection, 'Redis rate-limit store');
    const limiter = new RateLimiterRedis({
      storeClient: redis,
      points: policy.points,
      duration: policy.durationSeconds,
      keyPrefix: policy.keyPrefix,
      // Fail at once while disconnected instead of sending into a dead socket (the client has no offline queue).
      rejectIfRedisNotReady: true,
    });
    return new FlexibleRateLimiter(limiter, policy.points, `Redis at ${where}`, redis);
  }

  async consume(key: string, points = 1): Promise<RateLimitDecision> {
    if (key.length === 0) throw new AppError('VALIDATION_FAILED', 'rate-limit key must be non-empty');
    if (!Number.isInteger(points) || points < 1) throw new AppError('VALIDATION_FAILED', `rate-limit points must be a positive integer, got ${points}`);
    if (points > this.limit) {
      // Would never fit in a window: refuse instead of letting it wait forever.
      return { allowed: false, limit: this.limit, remaining: 0, retryAfterMs: Number.POSITIVE_INFINITY, resetMs: 0 };
    }
    try {
      const res = await this.limiter.consume(key, points);
      return { allowed: true, limit: this.limit, remaining: res.remainingPoints, retryAfterMs: 0, resetMs: res.msBeforeNext };
    } catch (outcome) {
      // The library rejects with a RateLimiterRes when the budget is spent, with an Error when the store failed.
      if (outcome instanceof RateLimiterRes) {
        await this.refund(key, points);
        // Fixed windows: the budget comes back when the window ends, so retry-after and reset are one instant.
        const waitMs = Math.max(1, outcome.msBeforeNext);
        return { allowed: false, limit: this.limit, remaining: 0, retryAfterMs: waitMs, resetMs: waitMs };
      }
      throw this.unavailable('consume', outcome);
    }
  }

  async reset(key: string): Promise<void> {
    try {
      await this.limiter.delete(key);
    } catch (error) {
      throw this.unavailable('reset', error);
    }
  }

  async close(): Promise<void> {
    this.owned?.disconnect();
  }

  /**
   * A refused call was still counted by the store (it increments, then compares). Give the points back so a
   * client hammering a spent budget does not push its own `remaining` further below zero; best effort.
   */
  private async refund(key: string, points: number): Promise<void> {
    try {
      await this.limiter.reward(key, points);
    } catch {
      // the window expires by itself
    }
  }

  private unavailable(op: string, error: unknown): AppError {
    const message = error instanceof Error ? error.message : String(error);
    return new AppError('UNAVAILABLE', `rate-limit store (${this.where}) is unavailable (${op}: ${message})`, { backend: this.where }, { cause: error });
  }
}

function validate(policy: RateLimitPolicy): void {
  if (!Number.isInteger(policy.points) || policy.points < 1) throw new AppError('VALIDATION_FAILED', `rate-limit points must be a positive integer, got ${policy.points}`);
  if (!Number.isInteger(policy.durationSeconds) || policy.durationSeconds < 1) {
    throw new AppError('VALIDATION_FAILED', `rate-limit durationSeconds must be a positive integer, got ${policy.durationSeconds}`);
  }
  if (!/^[\w.:-]{1,128}$/.test(policy.keyPrefix)) throw new AppError('VALIDATION_FAILED', `rate-limit keyPrefix must be 1-128 characters of [A-Za-z0-9_.:-], got ${JSON.stringify(policy.keyPrefix)}`);
}
