import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { AppError, type Clock, type RequestContext } from '@ragops/contracts';
import type { FastifyRequest } from 'fastify';
import type { GatewayConfig } from './gateway.config.js';
import { CLOCK, GATEWAY_CONFIG } from './gateway.tokens.js';

export const REQUEST_ID_HEADER = 'x-request-id';
export const TENANT_HEADER = 'x-ragops-tenant';
export const DEFAULT_TENANT = 'default';

// Ids from a client or a proxy are kept only if they are safe to log and to forward as a header value.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TENANT = /^[a-zA-Z0-9_-]{1,64}$/;

/** Fastify's `genReqId`: the caller's x-request-id when sane, else a fresh UUID. Runs once per request. */
export function requestIdOf(raw: IncomingMessage): string {
  const given = raw.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Builds the RequestContext that travels with the request across every hop: who (tenant), which request (id), until
 * when (one deadline for the whole request) and which release answers (variant). The caller's W3C trace context is
 * not copied in: the HTTP span continues it (http.tracing.ts) and every hop carries it in message headers.
 */
@Injectable()
export class RequestContextFactory {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  create(req: FastifyRequest, topK?: number): RequestContext {
    const base = this.config.variant;
    return {
      requestId: req.id,
      tenant: tenantOf(req),
      deadline: this.clock.now() + this.config.requestTimeoutMs,
      variant: topK === undefined || topK === base.retrieval.topK ? base : { ...base, retrieval: { ...base.retrieval, topK } },
    };
  }
}

/** The request's tenant from its header (the default tenant without one); a malformed header is VALIDATION_FAILED. */
export function tenantOf(req: FastifyRequest): string {
  const value = req.headers[TENANT_HEADER];
  if (value === undefined) return DEFAULT_TENANT;
  if (typeof value === 'string' && TENANT.test(value)) return value;
  throw new AppError(
    'VALIDATION_FAILED',
    `header ${TENANT_HEADER} must be 1-64 characters of [a-zA-Z0-9_-] (or omitted for the default tenant)`,
    { header: TENANT_HEADER },
  );
}
