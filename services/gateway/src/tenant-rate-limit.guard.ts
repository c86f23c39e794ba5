import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { TenantRateLimitPolicy, type TenantQuota } from '@ragops/rag';
import type { ServiceMetrics } from '@ragops/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from './gateway.config.js';
import type { ResolvedGatewayDeps } from './gateway.deps.js';
import { METRICS, TENANT_RATE_LIMIT } from './gateway.tokens.js';
import { tenantOf } from './request-context.factory.js';

/**
 * The per-tenant request limit on a route (`@UseGuards(TenantRateLimitGuard)` on the routes that do work; probes and
 * /metrics are never limited). Within the budget the response advertises the quota; over it the request ends here as
 * 429 RATE_LIMITED (Retry-After comes from the error filter) and `ragops_rate_limit_rejections_total{limit="requests"}`
 * counts it. The decisions, including a store outage, are TenantRateLimitPolicy's. A no-op while the limit is off.
 */
@Injectable()
export class TenantRateLimitGuard implements CanActivate {
  constructor(
    @Inject(TENANT_RATE_LIMIT) private readonly policy: TenantRateLimitPolicy | null,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.policy) return true;
    const http = context.switchToHttp();
    const admission = await this.policy.admit(tenantOf(http.getRequest<FastifyRequest>()));
    if (admission.outcome === 'unmetered') return true;
    http.getResponse<FastifyReply>().headers(quotaHeaders(admission.quota));
    if (admission.outcome === 'admitted') return true;
    this.metrics.rateLimitRejections.inc({ limit: 'requests' });
    throw admission.error;
  }
}

/** The quota policy's name in the `RateLimit-Policy` and `RateLimit` fields. */
const POLICY = '"requests"';

/**
 * Quota headers per draft-ietf-httpapi-ratelimit-headers (https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/).
 * Its current revision (-11, 2026; also -08 to -10) defines two structured fields, `RateLimit-Policy: "requests";q=<limit>;w=<window s>`
 * and `RateLimit: "requests";r=<remaining>;t=<s until the window ends>`; revisions up to -06 had three plain fields,
 * RateLimit-Limit / -Remaining / -Reset (delay-seconds), which most clients and proxies still read, so both are sent.
 */
export function quotaHeaders(quota: TenantQuota): Record<string, string> {
  return {
    'ratelimit-policy': `${POLICY};q=${quota.limit};w=${quota.windowSeconds}`,
    ratelimit: `${POLICY};r=${quota.remaining};t=${quota.resetSeconds}`,
    'ratelimit-limit': String(quota.limit),
    'ratelimit-remaining': String(quota.remaining),
    'ratelimit-reset': String(quota.resetSeconds),
  };
}

/**
 * The policy for RATE_LIMIT_* from the gateway's rate limiter; undefined while the limit is off. Store outages while
 * failing open are logged at most every 10 s with the number of requests served unmetered.
 */
export function buildTenantRateLimit(deps: ResolvedGatewayDeps, config: GatewayConfig): TenantRateLimitPolicy | undefined {
  const c = config.rateLimit;
  if (!c || !deps.rateLimiter) return undefined;
  return new TenantRateLimitPolicy({
    limiter: deps.rateLimiter,
    windowSeconds: c.windowSeconds,
    fail: c.fail,
    clock: deps.clock,
    onOutage: ({ error, requests }) =>
      deps.logger.warn({ err: error, requests }, 'rate-limit store unavailable: requests are served without tenant limits (RATE_LIMIT_FAIL=open)'),
  });
}
