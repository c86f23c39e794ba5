import { type Attributes, type Context, context, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
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
  /** The span active, marked as the hop's, with the request's log fields: what preHandler runs the handler in. */
  context: Context;
}

/** Where a request's trace waits between the hooks (a Fastify request decoration). */
const REQUEST_TRACE = Symbol('ragops.request-trace');
type TracedRequest = FastifyRequest & { [REQUEST_TRACE]: RequestTrace | null };

/**
 * The HTTP edge of a trace, as Fastify hooks on the gateway:
 * - onRequest starts a SERVER span named after the route pattern (`POST /v1/query`, never the raw URL), continuing the
 *   client's W3C `traceparent` when it sent a valid one (baggage from outside is not taken);
 * - preHandler runs the handler inside that span and with tenant, variant and request id on every log line — after
 *   body parsing, whose stream callbacks would not carry the context;
 * - onResponse records the status (5xx marks the span failed, as the HTTP conventions say) and ends the span.
 * With tracing off only the log fields are set. The URL's query string is never recorded (it could carry user data).
 *
 * A request the sampler drops costs only its (non-recording) span and context: the attributes that matter to no
 * sampler are set only on a recorded span, and the trace is kept in a request decoration — a field Fastify initialises
 * in every request object — rather than a WeakMap, whose insert was about a third of this hook's own time in a CPU
 * profile of the all-in-one at 40 req/s.
 */
export function registerHttpTracing(fastify: FastifyInstance, variantId: string): void {
  fastify.decorateRequest(REQUEST_TRACE, null);

  fastify.addHook('onRequest', (req, _reply, done) => {
    if (!tracingActive()) return done();
    const route = req.routeOptions.url;
    if (route !== undefined && UNTRACED_ROUTES.has(route)) return done();
    const parent = extractW3CTraceContext(req.headers.traceparent, req.headers.tracestate);
    // What the HTTP conventions ask for at span creation, so that a sampler can use it.
    const attributes: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_PATH]: req.url.split('?', 1)[0]!, [ATTR_URL_SCHEME]: req.protocol };
    if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
    const span = getTracer().startSpan(route ? `${req.method} ${route}` : req.method, { kind: SpanKind.SERVER, attributes }, parent);
    const fields = logFieldsOf(req, variantId);
    if (span.isRecording()) {
      span.setAttribute(ATTR_RAGOPS_REQUEST_ID, req.id);
      span.setAttribute(ATTR_RAGOPS_VARIANT, variantId);
      if (fields.tenant !== undefined) span.setAttribute(ATTR_RAGOPS_TENANT, fields.tenant);
    }
    (req as TracedRequest)[REQUEST_TRACE] = { span, context: contextWithLogFields(activateHopSpan(parent, span), fields) };
    done();
  });

  fastify.addHook('preHandler', (req, _reply, done) => {
    const t = (req as TracedRequest)[REQUEST_TRACE];
    // Fastify calls the route handler synchronously from done(), so the handler and all it awaits inherit both.
    if (t) context.with(t.context, done);
    else withLogFields(logFieldsOf(req, variantId), done);
  });

  fastify.addHook('onResponse', (req, reply, done) => {
    const t = (req as TracedRequest)[REQUEST_TRACE];
    // Not recording: dropped by the sampler, or already ended by onRequestAbort.
    if (t?.span.isRecording()) {
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
    const t = (req as TracedRequest)[REQUEST_TRACE];
    if (t?.span.isRecording()) {
      t.span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
      t.span.setStatus({ code: SpanStatusCode.ERROR, message: 'aborted' });
      t.span.end();
    }
    done();
  });
}

/** Request id, tenant (when valid) and variant: on every log line written while the request is handled. */
function logFieldsOf(req: FastifyRequest, variantId: string): LogFields {
  const tenant = tenantOf(req);
  return tenant === undefined ? { requestId: req.id, variant: variantId } : { requestId: req.id, tenant, variant: variantId };
}

/** The tenant header when it is valid (the request context factory rejects an invalid one with a 400). */
function tenantOf(req: FastifyRequest): string | undefined {
  const value = req.headers[TENANT_HEADER];
  if (value === undefined) return DEFAULT_TENANT;
  return typeof value === 'string' && TENANT.test(value) ? value : undefined;
}
