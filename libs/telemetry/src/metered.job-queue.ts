import type { IngestBatch } from '@ragops/contracts';
import type { ConsumerHandle, DeliveryOutcome, JobQueue } from '@ragops/rag';
import { ingestBook } from './metered.ingest-book.js';
import { monotonicNow, type Now } from './metered.support.js';
import type { ServiceMetrics } from './metrics.registry.js';

/**
 * The ingest consumer's side of the queue: each delivery is an in-flight `jetstream` message and an `ingest_batch`
 * stage, and while it runs the service's ingest book knows its job's index (MeteredJobStore labels by it).
 */
export class MeteredJobQueue implements JobQueue {
  constructor(
    private readonly inner: JobQueue,
    private readonly metrics: Pick<ServiceMetrics, 'registry' | 'stageDuration' | 'inflightRequests'>,
    private readonly now: Now = monotonicNow,
  ) {}

  enqueue(batches: IngestBatch[]): Promise<void> {
    return this.inner.enqueue(batches);
  }

  consume(handler: (batch: IngestBatch, attempt: number) => Promise<DeliveryOutcome>): Promise<ConsumerHandle> {
    const book = ingestBook(this.metrics);
    return this.inner.consume(async (batch, attempt) => {
      const started = this.now();
      this.metrics.inflightRequests.inc({ transport: 'jetstream' });
      book.begin(batch.jobId, batch.index);
      try {
        return await handler(batch, attempt);
      } finally {
        book.end(batch.jobId);
        this.metrics.inflightRequests.dec({ transport: 'jetstream' });
        this.metrics.stageDuration.observe({ stage: 'ingest_batch' }, (this.now() - started) / 1000);
      }
    });
  }

  pending(): Promise<number> {
    return this.inner.pending();
  }
}
