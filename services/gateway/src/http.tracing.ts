import { type Context, context, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  activateHopSpan,
  contextWithLogFields,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_RAGOPS_REQUEST_ID,
  ATTR_RAGOPS_TENANT,
  ATTR_RAGOPS_VARIANT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  extractW3CTraceContext,
  getTracer,
  type LogFields,
  tracingActive,
  withLogFields,
} from '@ragops/telemetry';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULT_TENANT, TENANT_HEADER } from './request-context.factory.js';

/** Probes and scrapes are not requests worth a trace: one every few seconds would drown the real ones. */
const UNTRACED_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);
const TENANT = /^[a-zA-Z0-9_-]{1,64}$/;

interface RequestTrace {
  span: Span;
  context: Context;
}

/**
 * The HTTP edge of a trace, as Fastify hooks on the gateway:
 * - onRequest starts a SERVER span named after the route pattern (`POST /v1/query`, never the raw URL), continuing the
 *   client's W3C `traceparent` when it sent a valid one (baggage from outside is not taken);
 * - preHandler runs the handler inside that span and with tenant, variant and request id on every log line — after
 *   body parsing, whose stream callbacks would not carry the context;
 * - onResponse records the status (5xx marks the span failed, as the HTTP conventions say) and ends the span.
 * With tracing off only the log fields are set. The URL's query string is never recorded (it could carry user data).
 */
export function registerHttpTracing(fastify: FastifyInstance, variantId: string): void {
  const traces = new WeakMap<FastifyRequest, RequestTrace>();

  fastify.addHook('onRequest', (req, _reply, done) => {
    const route = req.routeOptions.url;
    if (!tracingActive() || (route !== undefined && UNTRACED_ROUTES.has(route))) return done();
    const parent = extractW3CTraceContext(req.headers.traceparent, req.headers.tracestate);
    const tenant = tenantOf(req);
    const span = getTracer().startSpan(
      route ? `${req.method} ${route}` : req.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: req.method,
          [ATTR_URL_PATH]: req.url.split('?', 1)[0]!,
          [ATTR_URL_SCHEME]: req.protocol,
          [ATTR_RAGOPS_REQUEST_ID]: req.id,
          [ATTR_RAGOPS_VARIANT]: variantId,
          ...(route !== undefined && { [ATTR_HTTP_ROUTE]: route }),
          ...(tenant !== undefined && { [ATTR_RAGOPS_TENANT]: tenant }),
        },
      },
      parent,
    );
    traces.set(req, { span, context: activateHopSpan(parent, span) });
    done();
  });

  fastify.addHook('preHandler', (req, _reply, done) => {
    const tenant = tenantOf(req);
    const fields: LogFields = tenant === undefined ? { requestId: req.id, variant: variantId } : { requestId: req.id, tenant, variant: variantId };
    const t = traces.get(req);
    // Fastify calls the route handler synchronously from done(), so the handler and all it awaits inherit both.
    if (t) context.with(contextWithLogFields(t.context, fields), done);
    else withLogFields(fields, done);
  });

  fastify.addHook('onResponse', (req, reply, done) => {
    const t = traces.get(req);
    if (t) {
      traces.delete(req);
      const status = reply.statusCode;
      t.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 500) {
        t.span.setAttribute(ATTR_ERROR_TYPE, String(status));
        t.span.setStatus({ code: SpanStatusCode.ERROR, message: String(status) });
      }
      t.span.end();
    }
    done();
  });

  fastify.addHook('onRequestAbort', (req, done) => {
    const t = traces.get(req);
    if (t) {
      traces.delete(req);
      t.span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
      t.span.setStatus({ code: SpanStatusCode.ERROR, message: 'aborted' });
      t.span.end();
    }
    done();
  });
}

/** The tenant header when it is valid (the request context factory rejects an invalid one with a 400). */
function tenantOf(req: FastifyRequest): string | undefined {
  const value = req.headers[TENANT_HEADER];
  if (value === undefined) return DEFAULT_TENANT;
  return typeof value === 'string' && TENANT.test(value) ? value : undefined;
}
