import { type Context, context, createTraceState, propagation, ROOT_CONTEXT, type SpanContext, type TextMapGetter, trace } from '@opentelemetry/api';

/** What trace context travels in: NATS message headers (nats.js MsgHdrs) or a plain string map (in-process, tests). */
export type TraceCarrier = HeaderLike | Readonly<Record<string, string | string[] | undefined>>;

/** The part of nats.js' MsgHdrs (and a Fetch Headers) extraction needs; `get` answers '' or null for a missing key. */
export interface HeaderLike {
  get(key: string): string | null | undefined;
  keys(): Iterable<string>;
}

function isHeaderLike(carrier: unknown): carrier is HeaderLike {
  return typeof (carrier as HeaderLike)?.get === 'function' && typeof (carrier as HeaderLike)?.keys === 'function';
}

const getter: TextMapGetter<TraceCarrier | undefined> = {
  keys(carrier) {
    if (!carrier) return [];
    return isHeaderLike(carrier) ? [...carrier.keys()] : Object.keys(carrier);
  },
  get(carrier, key) {
    if (!carrier) return undefined;
    if (isHeaderLike(carrier)) return carrier.get(key) || undefined;
    const value = carrier[key] ?? carrier[key.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  },
};

/**
 * The W3C `traceparent` / `tracestate` (and baggage) of `ctx` — by default the active span — as a string map, or
 * undefined when there is nothing to send (tracing off: no propagator is registered and nothing is written).
 */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  for (const _ in carrier) return carrier;
  return undefined;
}

/** The remote parent carried by `carrier`, on top of `base` (default: an empty context, so nothing local leaks in). */
export function extractTraceContext(carrier: TraceCarrier | undefined, base: Context = ROOT_CONTEXT): Context {
  return carrier ? propagation.extract(base, carrier, getter) : base;
}

/** The span context a carrier names, for a span link; undefined when it names none (or tracing is off). */
export function remoteSpanContext(carrier: TraceCarrier | undefined): SpanContext | undefined {
  const sc = trace.getSpanContext(extractTraceContext(carrier));
  return sc && trace.isSpanContextValid(sc) ? sc : undefined;
}

// W3C Trace Context level 1 (https://www.w3.org/TR/trace-context/#traceparent-header): version 00 is exactly four
// fields; a later version may append fields, which a version-00 reader ignores. Version ff is invalid.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const MAX_TRACESTATE_CHARS = 512;

/**
 * The parent an HTTP client sent in `traceparent` / `tracestate`, for the edge. Only the W3C trace context is taken:
 * baggage from outside is not, so untrusted key/values never ride along on every internal hop. An invalid
 * traceparent is ignored (a new trace starts), as the spec asks, rather than failing the request.
 */
export function extractW3CTraceContext(traceparent: unknown, tracestate: unknown): Context {
  if (typeof traceparent !== 'string') return ROOT_CONTEXT;
  const m = TRACEPARENT.exec(traceparent.trim());
  if (!m) return ROOT_CONTEXT;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return ROOT_CONTEXT;
  const sc: SpanContext = { traceId: traceId!, spanId: spanId!, traceFlags: parseInt(flags!, 16) & 1, isRemote: true };
  if (!trace.isSpanContextValid(sc)) return ROOT_CONTEXT;
  if (typeof tracestate === 'string' && tracestate.length > 0 && tracestate.length <= MAX_TRACESTATE_CHARS) sc.traceState = createTraceState(tracestate);
  return trace.setSpanContext(ROOT_CONTEXT, sc);
}
