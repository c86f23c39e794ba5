import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SpanKind } from '@opentelemetry/api';
import { AppError } from '@ragops/contracts';
import { getTracer, type InMemoryTracing, startInMemoryTracing } from '@ragops/telemetry';
import { postJson, resetGateway, startGateway, type TestGateway, withGateway } from '../test/gateway.fakes.js';

const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';
const QUERY = `refund to ${EMAIL}, card ${CARD}?`;
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

let tracing: InMemoryTracing;
let gw: TestGateway;

function script(target: TestGateway): void {
  target.ports.onSearch = async () => {
    // What the retrieval client does: a child span under the active one.
    getTracer().startSpan('send ragops.v1.retrieval.search').end();
    return { index: 'default', hits: [{ chunkId: 'd#0', docId: 'd', score: 0.5, text: 'passage' }], timings: {} };
  };
  target.ports.onGenerate = async (input) => ({
    answer: `We cannot refund ${EMAIL} (${CARD}) [1]. Query was: ${input.query}`,
    citations: [{ n: 1, chunkId: 'd#0', docId: 'd' }],
    model: 'extractive',
    usage: { promptTokens: 10, completionTokens: 5 },
    finishReason: 'stop',
    droppedChunks: 0,
  });
}

beforeAll(async () => {
  tracing = await startInMemoryTracing('gateway');
  gw = await startGateway({ VARIANT_ID: 'canary' });
});
afterAll(async () => {
  await gw.app.close();
  await tracing.shutdown();
});
beforeEach(() => {
  resetGateway(gw);
  tracing.reset();
});

describe('the gateway HTTP span', () => {
  it('is a SERVER span named by route pattern with http.* and the query stage attributes, continuing the caller trace', async () => {
    script(gw);
    const res = await postJson(gw.app, '/v1/query?debug=jane@example.com', { query: 'plain question' }, {
      traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`,
      'x-ragops-tenant': 'acme',
    });
    expect(res.statusCode).toBe(200);
    const spans = await tracing.spans();
    expect(spans.map((s) => s.name).sort()).toEqual(['POST /v1/query', 'send ragops.v1.retrieval.search']);
    const http = spans.find((s) => s.kind === SpanKind.SERVER)!;
    const client = spans.find((s) => s.name === 'send ragops.v1.retrieval.search')!;
    expect(http.name).toBe('POST /v1/query');
    expect(http.spanContext().traceId).toBe(CLIENT_TRACE);
    expect(http.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    expect(http.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/query',
      'http.response.status_code': 200,
      'url.path': '/v1/query',
      'url.scheme': 'http',
      'ragops.tenant': 'acme',
      'ragops.variant': 'canary',
    });
    expect(JSON.stringify(http.attributes)).not.toContain('debug');
    expect(client.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    // The gateway's query stage is the HTTP request itself: its attributes are on the HTTP span.
    expect(http.attributes).toMatchObject({ 'ragops.index': 'default', 'ragops.retrieval.hits': 1, 'ragops.retrieval.mode': 'sparse', 'gen_ai.usage.output_tokens': 5 });
  });

  it('marks 5xx as failed, leaves 4xx unset, and skips probes', async () => {
    gw.ports.onSearch = async () => {
      throw new AppError('UNAVAILABLE', 'retrieval is down');
    };
    expect((await postJson(gw.app, '/v1/search', { query: 'q' })).statusCode).toBe(503);
    expect((await postJson(gw.app, '/v1/search', { query: '' })).statusCode).toBe(400);
    expect((await gw.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await gw.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    const http = (await tracing.spans()).filter((s) => s.kind === SpanKind.SERVER);
    expect(http.map((s) => [s.name, s.attributes['http.response.status_code'], s.status.code, s.attributes['error.type']])).toEqual([
      ['POST /v1/search', 503, 2, '503'],
      ['POST /v1/search', 400, 0, undefined],
    ]);
  });

  it('starts a new trace for an invalid traceparent', async () => {
    script(gw);
    await postJson(gw.app, '/v1/search', { query: 'q' }, { traceparent: `00-${'0'.repeat(32)}-${CLIENT_SPAN}-01` });
    const http = (await tracing.spans()).find((s) => s.kind === SpanKind.SERVER)!;
    expect(http.parentSpanContext).toBeUndefined();
    expect(http.spanContext().traceId).not.toBe('0'.repeat(32));
  });
});

describe('request logs', () => {
  it('carry trace_id, span_id, tenant, variant and request id; no query or answer text by default (LOG_CONTENT=off)', async () => {
    script(gw);
    const res = await postJson(gw.app, '/v1/query', { query: QUERY }, { 'x-ragops-tenant': 'acme', 'x-request-id': 'req-42' });
    expect(res.statusCode).toBe(200);
    const line = gw.logs.find((l) => l.msg === 'query answered')!;
    const http = (await tracing.spans()).find((s) => s.name === 'POST /v1/query')!;
    expect(line).toMatchObject({ tenant: 'acme', variant: 'canary', requestId: 'req-42', trace_id: http.spanContext().traceId, span_id: http.spanContext().spanId, hits: 1, model: 'extractive' });
    expect(line).not.toHaveProperty('query');
    expect(line).not.toHaveProperty('answer');
    const everything = JSON.stringify(gw.logs) + JSON.stringify((await tracing.spans()).map((s) => s.attributes));
    expect(everything).not.toContain(EMAIL);
    expect(everything.replace(/\D/g, '')).not.toContain(CARD.replace(/\D/g, ''));
  });

  it('LOG_CONTENT=redacted logs and attributes masked text; hash logs only a digest', async () => {
    await withGateway({ LOG_CONTENT: 'redacted' }, async (own) => {
      script(own);
      await postJson(own.app, '/v1/query', { query: QUERY });
      const line = own.logs.find((l) => l.msg === 'query answered')!;
      expect(line.query).toBe('refund to [EMAIL], card [CARD]?');
      expect(line.answer).toContain('We cannot refund [EMAIL] ([CARD]) [1].');
      const http = (await tracing.spans()).find((s) => s.name === 'POST /v1/query')!;
      expect(http.attributes['ragops.query']).toBe('refund to [EMAIL], card [CARD]?');
      expect(http.attributes['ragops.answer']).toContain('[EMAIL]');
      expect(JSON.stringify(own.logs)).not.toContain(EMAIL);
    });
    tracing.reset();
    await withGateway({ LOG_CONTENT: 'hash' }, async (own) => {
      script(own);
      await postJson(own.app, '/v1/search', { query: QUERY });
      const line = own.logs.find((l) => l.msg === 'search served')!;
      expect(line.query).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(JSON.stringify(own.logs)).not.toContain(EMAIL);
    });
  });
});
