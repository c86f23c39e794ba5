import type { BatchResult } from '@ragops/contracts';
import type { JobRecord, JobStore } from '@ragops/rag';
import { ingestBook } from './metered.ingest-book.js';
import type { ServiceMetrics } from './metrics.registry.js';

/**
 * Counts documents and chunks where their final outcome is written: every batch result the ingest runner records
 * (a success, or a batch given up on — then all its documents count as failed). A redelivered batch that succeeds
 * after failing is recorded once, so documents count once; failed attempts are counted by MeteredIndexer. The index
 * label is the job's, from the delivery in progress (MeteredJobQueue).
 */
export class MeteredJobStore implements JobStore {
  constructor(
    private readonly inner: JobStore,
    private readonly metrics: Pick<ServiceMetrics, 'registry' | 'ingestDocuments' | 'ingestChunks'>,
  ) {}

  create(job: JobRecord): Promise<void> {
    return this.inner.create(job);
  }

  markStarted(jobId: string, batch: number, at: number): Promise<void> {
    return this.inner.markStarted(jobId, batch, at);
  }

  async recordBatch(jobId: string, result: BatchResult): Promise<void> {
    await this.inner.recordBatch(jobId, result);
    const index = ingestBook(this.metrics).indexOf(jobId);
    this.metrics.ingestDocuments.inc({ index, outcome: 'indexed' }, result.indexed);
    this.metrics.ingestDocuments.inc({ index, outcome: 'unchanged' }, result.unchanged);
    this.metrics.ingestDocuments.inc({ index, outcome: 'failed' }, result.failed);
    this.metrics.ingestChunks.inc({ index }, result.chunks);
  }

  get(jobId: string): ReturnType<JobStore['get']> {
    return this.inner.get(jobId);
  }
}
