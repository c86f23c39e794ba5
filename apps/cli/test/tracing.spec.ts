import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { SourceDocument } from '@ragops/contracts';
import { type InMemoryTracing, startInMemoryTracing, tracingActive } from '@ragops/telemetry';
import { startNatsServer, type NatsServerHandle } from '@ragops/testing';
import { GatewayClient } from '../src/gateway.client.js';
import { type AllInOnePlatform, startAllInOne } from '../src/platform/all-in-one.platform.js';
import { LogSink, SpanTree, TracedDistributedPlatform } from './tracing.harness.js';

const documents: SourceDocument[] = [
  { id: 'rrf', text: 'Reciprocal rank fusion combines rankings. We use k = 60 for reciprocal rank fusion, as Cormack et al. suggest.' },
  { id: 'burn', text: 'Multi-window burn-rate alerts page when the error budget burns fast over both a long and a short window.' },
  { id: 'probes', text: 'A readiness probe gates traffic to a pod; a liveness probe restarts a stuck container.' },
];
const QUESTION = 'What value of k do we use for reciprocal rank fusion?';
const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';

/**
 * The one trace one hybrid query must produce, as (span, parent) pairs: the HTTP edge (carrying the gateway's query
 * stage), and on each hop a CLIENT span in the caller with the callee's SERVER span under it (carrying that service's
 * stage: retrieval, embeddings, generation), plus the store search inside retrieval.
 */
function expectQueryTrace(tree: SpanTree, messaging: string): void {
  expect(tree.traceIds()).toHaveLength(1);
  expect(tree.roots().map((s) => s.name)).toEqual(['POST /v1/query']);
  const expected: [child: string, parent: string, kind: SpanKind][] = [
    ['send ragops.v1.retrieval.search', 'POST /v1/query', SpanKind.CLIENT],
    ['process ragops.v1.retrieval.search', 'send ragops.v1.retrieval.search', SpanKind.SERVER],
    ['send ragops.v1.embedding.embed', 'process ragops.v1.retrieval.search', SpanKind.CLIENT],
    ['process ragops.v1.embedding.embed', 'send ragops.v1.embedding.embed', SpanKind.SERVER],
    ['search default', 'process ragops.v1.retrieval.search', SpanKind.INTERNAL],
    ['send ragops.v1.generation.generate', 'POST /v1/query', SpanKind.CLIENT],
    ['process ragops.v1.generation.generate', 'send ragops.v1.generation.generate', SpanKind.SERVER],
  ];
  for (const [child, parent, kind] of expected) {
    const span = tree.one(child);
    expect([child, span.kind, tree.parentOf(span)?.name]).toEqual([child, kind, parent]);
  }
  // Nothing else: every span of the request is one of these.
  expect(tree.spans).toHaveLength(expected.length + 1);

  const http = tree.one('POST /v1/query');
  expect(http.kind).toBe(SpanKind.SERVER);
  expect(http.attributes).toMatchObject({
    'http.route': '/v1/query',
    'http.response.status_code': 200,
    'ragops.variant': 'default',
    'ragops.index': 'default',
    'ragops.retrieval.mode': 'hybrid',
    'gen_ai.request.model': 'extractive',
    'gen_ai.response.model': 'extractive',
  });
  const retrieval = tree.one('process ragops.v1.retrieval.search');
  expect(retrieval.attributes).toMatchObject({
    'gen_ai.operation.name': 'retrieval',
    'gen_ai.data_source.id': 'default',
    'ragops.index': 'default',
    'ragops.retrieval.mode': 'hybrid',
    'ragops.retrieval.top_k': 5,
    'ragops.variant': 'default',
    'ragops.tenant': 'default',
  });
  expect(retrieval.attributes['ragops.retrieval.hits']).toBeGreaterThan(0);
  expect(tree.one('search default').attributes['ragops.retrieval.top_score']).toBeGreaterThan(0);
  expect(tree.one('process ragops.v1.embedding.embed').attributes).toMatchObject({
    'gen_ai.operation.name': 'embeddings',
    'gen_ai.provider.name': 'ragops.local',
    'ragops.embedding.texts': 1,
  });
  expect(tree.one('process ragops.v1.generation.generate').attributes).toMatchObject({
    'gen_ai.request.model': 'extractive',
    'gen_ai.response.model': 'extractive',
    'ragops.prompt': 'rag-answer@1',
  });
  expect(tree.one('process ragops.v1.generation.generate').attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  for (const name of ['send ragops.v1.retrieval.search', 'process ragops.v1.embedding.embed', 'send ragops.v1.generation.generate']) {
    expect(tree.one(name).attributes['messaging.system']).toBe(messaging);
  }
}

/** POST /v1/documents' trace: its PRODUCER spans, and the CONSUMER spans (other traces) that link to them. */
function expectIngestLinks(spans: ReadableSpan[]): void {
  const post = spans.filter((s) => s.name === 'POST /v1/documents');
  expect(post).toHaveLength(1);
  const traceId = post[0]!.spanContext().traceId;
  const producers = spans.filter((s) => s.kind === SpanKind.PRODUCER);
  expect(producers.length).toBeGreaterThan(0);
  expect(producers.every((p) => p.spanContext().traceId === traceId)).toBe(true);
  const consumers = spans.filter((s) => s.kind === SpanKind.CONSUMER);
  expect(consumers).toHaveLength(producers.length);
  for (const c of consumers) {
    expect(c.name).toBe('process ragops.v1.ingest.batch');
    expect(c.spanContext().traceId).not.toBe(traceId);
    expect(c.links.map((l) => l.context.traceId)).toEqual([traceId]);
    expect(producers.map((p) => p.spanContext().spanId)).toContain(c.links[0]!.context.spanId);
    // The ingest work happens under the consumer span: its embedding calls are its children.
    const tree = new SpanTree(spans.filter((s) => s.spanContext().traceId === c.spanContext().traceId));
    expect(tree.roots()).toEqual([c]);
    expect(tree.spans.map((s) => s.name)).toContain('process ragops.v1.embedding.embed');
  }
}

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** POST /v1/query with a W3C traceparent whose caller decided "not sampled" (flags 00). */
async function queryUnsampled(url: string): Promise<{ requestId: string; answer: string }> {
  const res = await fetch(`${url}/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${CALLER_TRACE}-00f067aa0ba902b7-00` },
    body: JSON.stringify({ query: QUESTION }),
  });
  expect(res.status).toBe(200);
  const answer = (await res.json()) as { requestId: string; answer: string };
  expect(answer.answer).toMatch(/k = 60/);
  return answer;
}

async function waitForIngest(url: string, documents: SourceDocument[]): Promise<void> {
  const client = new GatewayClient(url);
  const { jobId } = await client.submit(documents);
  const view = await client.waitForJob(jobId, 20_000, 25);
  expect(view.status).toBe('done');
}

describe('tracing and logs across every hop', () => {
  let tracing: InMemoryTracing;
  beforeAll(async () => {
    // Before any platform is built: adapters are instrumented at construction. The production default sampler: a
    // request without a caller's decision is traced in full, one whose caller did not sample it is recorded nowhere.
    tracing = await startInMemoryTracing('ragops-test', { OTEL_TRACES_SAMPLER: 'parentbased_always_on' });
  });
  afterAll(() => tracing.shutdown());

  describe('distributed: each service its own Nest app over a private nats-server', () => {
    let nats: NatsServerHandle;
    let platform: TracedDistributedPlatform;
    const logs = new LogSink();
    let ingestSpans: ReadableSpan[];

    beforeAll(async () => {
      nats = await startNatsServer();
      platform = new TracedDistributedPlatform(nats.url, logs);
      await platform.start();
      tracing.reset();
      await waitForIngest(platform.url, documents);
      // The last consumer span ends right after its ack, which may land just after the job reads done.
      await new Promise((r) => setTimeout(r, 200));
      ingestSpans = await tracing.spans();
    });
    afterAll(async () => {
      await platform?.close();
      await nats?.stop();
    });

    it('links each ingest consumer span to the POST /v1/documents trace that enqueued the batch', () => {
      expectIngestLinks(ingestSpans);
    });

    it('one query over NATS is one connected trace: gateway → retrieval → embedding, gateway → generation', async () => {
      tracing.reset();
      const answer = await new GatewayClient(platform.url).query(QUESTION);
      expect(answer.answer).toMatch(/k = 60/);
      expectQueryTrace(new SpanTree(await tracing.spans()), 'nats');
    });

    it("the request's log lines carry its trace id, tenant and variant", async () => {
      tracing.reset();
      logs.lines.length = 0;
      const answer = await new GatewayClient(platform.url, 'acme').query(QUESTION);
      const traceId = new SpanTree(await tracing.spans()).traceIds()[0];
      const lines = logs.lines.filter((l) => l.requestId === answer.requestId);
      expect(lines.map((l) => l.msg)).toContain('query answered');
      for (const line of lines) expect(line).toMatchObject({ trace_id: traceId, tenant: 'acme', variant: 'default' });
    });

    it("a query its caller did not sample is recorded by no hop, and its log lines carry the caller's trace id", async () => {
      tracing.reset();
      logs.lines.length = 0;
      const answer = await queryUnsampled(platform.url);
      // A hop that lost the decision would start a trace of its own, which this sampler records.
      expect(await tracing.spans()).toEqual([]);
      const lines = logs.lines.filter((l) => l.requestId === answer.requestId);
      expect(lines.map((l) => l.msg)).toContain('query answered');
      for (const line of lines) expect(line).toMatchObject({ trace_id: CALLER_TRACE, trace_flags: '00' });
    });

    it('log scan: an e-mail address and a card number in a query appear in no log line and no span (default config)', async () => {
      tracing.reset();
      logs.lines.length = 0;
      logs.raw.length = 0;
      const query = `My e-mail is ${EMAIL} and my card ${CARD}; ${QUESTION}`;
      const res = await fetch(`${platform.url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      expect(res.status).toBe(200);
      // Also through the failure paths: a query the gateway refuses, one a service refuses.
      const tooLong = await fetch(`${platform.url}/v1/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `${query} `.repeat(200) }) });
      expect(tooLong.status).toBe(400);
      const spans = await tracing.spans();
      expect(spans.length).toBeGreaterThan(5);
      // The scan saw what it scans: the request log line and the debug line of the refused query.
      expect(logs.lines.some((l) => l.msg === 'query answered')).toBe(true);
      expect(logs.lines.some((l) => l.code === 'VALIDATION_FAILED' && l.level === 20)).toBe(true);
      const everything = [
        ...logs.raw,
        ...spans.map((s) => JSON.stringify({ name: s.name, attributes: s.attributes, status: s.status, events: s.events, links: s.links, resource: s.resource.attributes })),
      ].join('\n');
      expect(everything).not.toContain(EMAIL);
      expect(everything).not.toContain('jane.doe');
      expect(everything.replace(/[ -]/g, '')).not.toContain(CARD.replace(/ /g, ''));
    });
  });

  describe('all-in-one: every service in one process over the in-process transport', () => {
    let platform: AllInOnePlatform;
    let ingestSpans: ReadableSpan[];

    beforeAll(async () => {
      tracing.reset();
      platform = await startAllInOne({
        env: { RAGOPS_DATA_DIR: 'none', RAGOPS_SAMPLE_CORPUS: 'none', LOG_LEVEL: 'silent', RETRIEVAL_MODE: 'hybrid' },
        port: 0,
      });
      tracing.reset();
      await waitForIngest(platform.url, documents);
      await new Promise((r) => setTimeout(r, 100));
      ingestSpans = await tracing.spans();
    });
    afterAll(() => platform?.close());

    it('carries the same context through the in-process bus: one connected trace per query', async () => {
      tracing.reset();
      const answer = await new GatewayClient(platform.url).query(QUESTION);
      expect(answer.answer).toMatch(/k = 60/);
      expectQueryTrace(new SpanTree(await tracing.spans()), 'ragops_in_process');
    });

    it('records nothing of a query its caller did not sample', async () => {
      // A hop that lost the decision would start a trace of its own, which this sampler records.
      tracing.reset();
      await queryUnsampled(platform.url);
      expect(await tracing.spans()).toEqual([]);
    });

    it('links ingest work to the request that enqueued it', () => {
      expectIngestLinks(ingestSpans);
    });

    it("closing an all-in-one leaves the process's tracing (owned by whoever started it first) running", async () => {
      const other = await startAllInOne({ env: { RAGOPS_DATA_DIR: 'none', RAGOPS_SAMPLE_CORPUS: 'none', LOG_LEVEL: 'silent' }, port: 0 });
      await other.close();
      expect(tracingActive()).toBe(true);
      tracing.reset();
      await new GatewayClient(platform.url).search(QUESTION);
      expect((await tracing.spans()).map((s) => s.name)).toContain('POST /v1/search');
    });
  });
});
