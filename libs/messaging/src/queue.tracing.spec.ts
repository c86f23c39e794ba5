import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind } from '@opentelemetry/api';
import type { IngestBatch } from '@ragops/contracts';
import { currentLogFields, getTracer, type InMemoryTracing, inSpan, type LogFields, startInMemoryTracing } from '@ragops/telemetry';
import { MemoryJobQueue } from './memory.queue.js';

const batch = (n: number): IngestBatch => ({ jobId: 'job-1', batch: n, batches: 2, tenant: 'acme', index: 'docs', documents: [{ id: `d${n}`, text: 'x' }] });

describe('ingest queue tracing (in-memory queue; the JetStream queue carries the same headers over NATS)', () => {
  let tracing: InMemoryTracing;
  beforeAll(async () => {
    tracing = await startInMemoryTracing();
  });
  afterAll(() => tracing.shutdown());

  it('each message carries its PRODUCER span; the CONSUMER span starts its own trace and links back to it', async () => {
    const queue = new MemoryJobQueue({ concurrency: 1 });
    const fields: (LogFields | undefined)[] = [];
    const done = new Promise<void>((resolve) => {
      let handled = 0;
      void queue.consume(async () => {
        fields.push(currentLogFields());
        // Work inside the consumer (an embed call, say) is a child of the CONSUMER span.
        getTracer().startSpan('inner').end();
        if (++handled === 2) resolve();
        return 'ack';
      });
    });
    // The request that enqueues: its own span is active, and its log fields must not leak into the consumer.
    const requestTraceId = await inSpan('POST /v1/documents', {}, async (span) => {
      await queue.enqueue([batch(0), batch(1)]);
      return span.spanContext().traceId;
    });
    await done;
    const spans = await tracing.spans();
    const producers = spans.filter((s) => s.kind === SpanKind.PRODUCER);
    const consumers = spans.filter((s) => s.kind === SpanKind.CONSUMER);
    expect(producers.map((s) => s.name)).toEqual(['send ragops.v1.ingest.batch', 'send ragops.v1.ingest.batch']);
    expect(producers.every((p) => p.spanContext().traceId === requestTraceId)).toBe(true);
    expect(consumers).toHaveLength(2);
    for (const c of consumers) {
      expect(c.name).toBe('process ragops.v1.ingest.batch');
      expect(c.spanContext().traceId).not.toBe(requestTraceId);
      expect(c.parentSpanContext).toBeUndefined();
      const link = c.links[0]!.context;
      const producer = producers.find((p) => p.spanContext().spanId === link.spanId)!;
      expect(producer.spanContext().traceId).toBe(requestTraceId);
      expect(producer.attributes['messaging.message.id']).toBe(c.attributes['messaging.message.id']);
      expect(c.attributes).toMatchObject({ 'ragops.ingest.job_id': 'job-1', 'ragops.tenant': 'acme', 'ragops.ingest.attempt': 1 });
    }
    const inner = spans.filter((s) => s.name === 'inner');
    expect(inner.map((s) => s.parentSpanContext?.spanId).sort()).toEqual(consumers.map((c) => c.spanContext().spanId).sort());
    expect(fields).toEqual([
      { jobId: 'job-1', tenant: 'acme' },
      { jobId: 'job-1', tenant: 'acme' },
    ]);
    queue.close();
  });
});
