import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createRateLimiter } from '@ragops/platform';
import { createLogger, createMetrics, type Logger } from '@ragops/telemetry';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig, RateLimitConfig } from './gateway.config.js';
import type { GatewayDeps, ResolvedGatewayDeps } from './gateway.deps.js';
import { GatewayModule } from './gateway.module.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { registerHttpTracing } from './http.tracing.js';
import { registerHttpMetrics, withStageTimeouts } from './http.metrics.js';
import { REQUEST_ID_HEADER, requestIdOf } from './request-context.factory.js';
import { RouteTable } from './route.table.js';

/** The `route` label of requests no route matched: one value, so scanners can't blow up label cardinality. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Builds and initialises the gateway app without listening: main.ts calls `listen(config.port, config.host)`,
 * the all-in-one CLI does the same, tests use `app.inject()`. The caller owns `app.close()`.
 */
export async function createGatewayApp(deps: GatewayDeps, config: GatewayConfig): Promise<NestFastifyApplication> {
  const metrics = deps.metrics ?? createMetrics('gateway');
  const logger = deps.logger ?? createLogger({ service: 'gateway', level: config.logLevel });
  // Opened here only when the caller gave none, and then closed with the app.
  const ownLimiter = config.rateLimit && !deps.rateLimiter ? await openRateLimiter(config.rateLimit, logger) : undefined;
  const rateLimiter = deps.rateLimiter ?? ownLimiter;
  const resolved: ResolvedGatewayDeps = {
    ...deps,
    ...withStageTimeouts(deps, metrics),
    newId: deps.newId ?? randomUUID,
    metrics,
    logger,
    ...(rateLimiter ? { rateLimiter } : {}),
  };

  const routes = new RouteTable();
  const errors = new HttpErrorFilter(resolved.logger, routes, config.bodyLimitBytes, (code) => metrics.errors.inc({ code }));
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestIdOf,
    logger: false,
    // Long enough for any valid job id, so a too-long one gets the validation message rather than a bare 414.
    routerOptions: { maxParamLength: 256 },
    // Router-level rejections (malformed URL) never reach Nest; answer them in the same shape.
    frameworkErrors: (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => errors.respond(error, req, reply),
  });
  const fastify = adapter.getInstance();
  // Only JSON bodies: Fastify also parses text/plain by default, which would turn a wrong content type into a
  // confusing validation error instead of 415.
  fastify.removeContentTypeParser('text/plain');

  if (ownLimiter) fastify.addHook('onClose', () => ownLimiter.close());
  fastify.addHook('onRoute', (route) => routes.add(route.method, route.url));
  registerHttpTracing(fastify, config.variant.id);
  registerHttpMetrics(fastify, metrics, config.variant);
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    done();
  });
  const { httpRequestDuration } = resolved.metrics;
  fastify.addHook('onResponse', (req, reply, done) => {
    httpRequestDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? UNMATCHED_ROUTE, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });

  try {
    const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.register(resolved, config), adapter, {
      logger: false,
      // Fastify's own JSON parser (secure-json-parse, prototype-poisoning checks) instead of Nest's; no urlencoded.
      bodyParser: false,
      abortOnError: false,
    });
    app.useGlobalFilters(errors);
    await app.init();
    await fastify.ready();
    return app;
  } catch (error) {
    await ownLimiter?.close(); // no app to close it with
    throw error;
  }
}

/** RATE_LIMIT_STORE's limiter; a Redis store must answer now (UNAVAILABLE otherwise), as the Redis cache must. */
function openRateLimiter(c: RateLimitConfig, logger: Logger) {
  return createRateLimiter(
    c.store,
    { points: c.requests, durationSeconds: c.windowSeconds, keyPrefix: c.keyPrefix },
    // Reconnect attempts fail every few seconds during an outage; the requests it affects are reported by the policy.
    { url: c.redisUrl, onError: (err) => logger.debug({ err }, 'rate-limit store connection error') },
  );
}
