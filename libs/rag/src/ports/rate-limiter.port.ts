/** The outcome of taking points from one key's budget. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Points per window. */
  limit: number;
  /** Points left in the current window after this call (0 when refused). */
  remaining: number;
  /** When refused: how long until the request would be allowed (for `Retry-After`); 0 when allowed. */
  retryAfterMs: number;
  /** How long until the key's current window ends and its budget is whole again (for `RateLimit` headers); 0 when unknown. */
  resetMs: number;
}

/**
 * Port for rate limits and budgets (per tenant, per API key, per model…): a fixed number of points per window,
 * shared by every replica when the store is Redis. When the store is down, `consume` rejects quickly with
 * `AppError('UNAVAILABLE')`; failing open or closed is the caller's policy.
 */
export interface RateLimiter {
  readonly limit: number;
  /** Takes `points` (default 1) from `key`'s budget; refuses without taking them when too few are left. */
  consume(key: string, points?: number): Promise<RateLimitDecision>;
  /** Gives a key its full budget back (an operator's reset, tests). */
  reset(key: string): Promise<void>;
}
