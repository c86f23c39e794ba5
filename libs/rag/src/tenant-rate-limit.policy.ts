import { AppError, type Clock } from '@ragops/contracts';
import type { RateLimitDecision, RateLimiter } from './ports/rate-limiter.port.js';

/** What to do while the limiter's store cannot be asked: serve requests unmetered, or refuse them (503). */
export type RateLimitFailMode = 'open' | 'closed';

/** One tenant's request budget as it stands after a decision: what a transport advertises to the client. */
export interface TenantQuota {
  /** Requests per window. */
  limit: number;
  windowSeconds: number;
  /** Requests left in the current window. */
  remaining: number;
  /** Whole seconds until the current window ends and the budget is whole again. */
  resetSeconds: number;
}

export type TenantAdmission =
  /** Within the budget: serve it. */
  | { outcome: 'admitted'; quota: TenantQuota }
  /** Over the budget: answer with `error` (RATE_LIMITED, `details.retryAfterSeconds`). */
  | { outcome: 'rejected'; quota: TenantQuota; error: AppError }
  /** The store could not be asked and the policy fails open: serve it, with no quota to advertise. */
  | { outcome: 'unmetered' };

/** A store outage while failing open, reported at most once per interval. */
export interface RateLimitOutage {
  error: AppError;
  /** Requests served unmetered since the previous report, this one included. */
  requests: number;
}

export interface TenantRateLimitOptions {
  /** Its `limit` is the tenant's requests per window. */
  limiter: RateLimiter;
  /** The limiter's window, for messages and headers. */
  windowSeconds: number;
  fail: RateLimitFailMode;
  clock: Clock;
  /** Told about an outage while failing open, at most once per `outageReportIntervalMs` (first one at once). */
  onOutage?: (outage: RateLimitOutage) => void;
  /** Default 10 s: one line per interval instead of one per request when every request hits a dead store. */
  outageReportIntervalMs?: number;
}

const DEFAULT_OUTAGE_REPORT_INTERVAL_MS = 10_000;

/**
 * Per-tenant request limits: each request takes one point from its tenant's budget (the tenant is the key), and a
 * spent budget is a RATE_LIMITED error that says when to come back. When the limiter's store is unavailable the
 * configured mode decides: `open` serves the request unmetered (an outage of the limiter must not become an outage of
 * the API) and reports the outage at a bounded rate; `closed` refuses it with UNAVAILABLE.
 */
export class TenantRateLimitPolicy {
  private readonly reportIntervalMs: number;
  private unreported = 0;
  private lastReport = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: TenantRateLimitOptions) {
    this.reportIntervalMs = options.outageReportIntervalMs ?? DEFAULT_OUTAGE_REPORT_INTERVAL_MS;
  }

  async admit(tenant: string): Promise<TenantAdmission> {
    const { limiter, windowSeconds } = this.options;
    let decision: RateLimitDecision;
    try {
      decision = await limiter.consume(tenant);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'UNAVAILABLE') throw error;
      return this.storeUnavailable(error);
    }
    if (decision.allowed) {
      const quota = { limit: decision.limit, windowSeconds, remaining: decision.remaining, resetSeconds: this.seconds(decision.resetMs) };
      return { outcome: 'admitted', quota };
    }
    const retryAfterSeconds = this.seconds(decision.retryAfterMs);
    const error = new AppError(
      'RATE_LIMITED',
      `tenant "${tenant}" exceeded ${decision.limit} requests per ${windowSeconds}s; retry after ${retryAfterSeconds} s`,
      // The shape model adapters use for an upstream 429, so one transport mapping serves both.
      { retryAfterSeconds, limit: 'requests' },
    );
    return { outcome: 'rejected', quota: { limit: decision.limit, windowSeconds, remaining: 0, resetSeconds: retryAfterSeconds }, error };
  }

  private storeUnavailable(error: AppError): TenantAdmission {
    if (this.options.fail === 'closed') {
      throw new AppError('UNAVAILABLE', 'tenant rate limits cannot be checked right now (the rate-limit store is unavailable); retry shortly', undefined, {
        cause: error,
      });
    }
    this.unreported++;
    const now = this.options.clock.now();
    if (now - this.lastReport >= this.reportIntervalMs) {
      this.options.onOutage?.({ error, requests: this.unreported });
      this.lastReport = now;
      this.unreported = 0;
    }
    return { outcome: 'unmetered' };
  }

  /** Whole seconds, at least 1, as delay-seconds headers need; the window when the store gave no finite answer. */
  private seconds(ms: number): number {
    return Number.isFinite(ms) && ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : this.options.windowSeconds;
  }
}
