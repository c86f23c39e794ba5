import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { extractTraceContext, extractW3CTraceContext, remoteSpanContext, traceHeaders } from './tracing.propagation.js';
import { type InMemoryTracing, startInMemoryTracing } from './tracing.sdk.js';
import { getTracer } from './tracing.spans.js';

/** Behaves like nats.js MsgHdrs: `get` answers '' for a missing key. */
class NatsLikeHeaders {
  private readonly map = new Map<string, string>();
  set(k: string, v: string): void {
    this.map.set(k, v);
  }
  get(k: string): string {
    return this.map.get(k) ?? '';
  }
  keys(): string[] {
    return [...this.map.keys()];
  }
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

describe('trace context propagation', () => {
  describe('with tracing off', () => {
    it('writes no headers and extracts no parent', () => {
      expect(traceHeaders()).toBeUndefined();
      expect(remoteSpanContext({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` })).toBeUndefined();
    });
  });

  describe('with tracing on', () => {
    let tracing: InMemoryTracing;
    beforeAll(async () => {
      tracing = await startInMemoryTracing();
    });
    afterAll(() => tracing.shutdown());

    it('injects the active span as a W3C traceparent and extracts it back from NATS-like headers and plain maps', () => {
      const span = getTracer().startSpan('client');
      const headers = context.with(trace.setSpan(context.active(), span), () => traceHeaders());
      span.end();
      const sc = span.spanContext();
      expect(headers?.traceparent).toBe(`00-${sc.traceId}-${sc.spanId}-01`);

      const nats = new NatsLikeHeaders();
      for (const [k, v] of Object.entries(headers!)) nats.set(k, v);
      for (const carrier of [nats, headers!]) {
        expect(remoteSpanContext(carrier)).toMatchObject({ traceId: sc.traceId, spanId: sc.spanId, isRemote: true });
      }
      const child = getTracer().startSpan('server', {}, extractTraceContext(nats));
      child.end();
      expect(child.spanContext().traceId).toBe(sc.traceId);
    });

    it('starts from an empty context when the carrier has nothing (a missing header reads as "")', () => {
      expect(trace.getSpanContext(extractTraceContext(new NatsLikeHeaders()))).toBeUndefined();
      expect(trace.getSpanContext(extractTraceContext(undefined))).toBeUndefined();
      expect(remoteSpanContext({ traceparent: 'garbage' })).toBeUndefined();
    });

    it('writes nothing outside a span', () => {
      expect(context.with(ROOT_CONTEXT, () => traceHeaders())).toBeUndefined();
    });
  });
});

describe('extractW3CTraceContext (the HTTP edge)', () => {
  const sc = (traceparent: unknown, tracestate?: unknown) => trace.getSpanContext(extractW3CTraceContext(traceparent, tracestate));

  it('reads a valid version-00 traceparent and its tracestate', () => {
    const got = sc(`00-${TRACE_ID}-${SPAN_ID}-01`, 'vendor=opaque,other=1');
    expect(got).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(got?.traceState?.get('vendor')).toBe('opaque');
    expect(sc(`00-${TRACE_ID}-${SPAN_ID}-00`)?.traceFlags).toBe(TraceFlags.NONE);
  });

  it('accepts a later version with extra fields, reading only the first four', () => {
    expect(sc(`cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-holds`)).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID });
  });

  it('ignores every invalid form (a new trace starts) instead of failing the request', () => {
    for (const bad of [
      undefined,
      42,
      ['00-a-b-01'],
      '',
      `00-${'0'.repeat(32)}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `ff-${TRACE_ID}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${SPAN_ID}-01-extra`,
      `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${SPAN_ID}`,
      `0-${TRACE_ID}-${SPAN_ID}-01`,
    ]) {
      expect(sc(bad)).toBeUndefined();
    }
  });

  it('drops an oversized tracestate but keeps the parent', () => {
    const got = sc(`00-${TRACE_ID}-${SPAN_ID}-01`, `k=${'v'.repeat(600)}`);
    expect(got?.traceId).toBe(TRACE_ID);
    expect(got?.traceState).toBeUndefined();
  });
});
