import {
  AppError,
  type BatchResult,
  type Clock,
  defaultVariant,
  type IngestBatch,
  type RequestContext,
} from '@ragops/contracts';
import type { Indexer } from './indexer.service.js';
import type { DeliveryOutcome } from './ports/job-queue.port.js';
import type { JobStore } from './ports/job-store.port.js';

export interface IngestJobRunnerOptions {
  /** Deadline for indexing one batch (embedding calls take their timeout from it). */
  batchTimeoutMs: number;
  /** Deliveries after which a batch that keeps failing is recorded as failed and acked (dead-lettered). */
  maxAttempts: number;
}

/** Minimal logging port, so this use case stays free of a logging library. */
export interface RunnerLog {
  warn(obj: object, msg: string): void;
}

/**
 * What the ingest service does with one queued batch: mark it started, index it, record the per-batch result,
 * and tell the queue whether to ack. Transient failures are retried by redelivery; a batch that is invalid or
 * has failed `maxAttempts` times is recorded as failed for every document and acked, so one poison message
 * cannot block the stream.
 */
export class IngestJobRunner {
  constructor(
    private readonly indexer: Indexer,
    private readonly jobs: JobStore,
    private readonly clock: Clock,
    private readonly options: IngestJobRunnerOptions,
    private readonly log?: RunnerLog,
  ) {}

  async handle(batch: IngestBatch, attempt: number): Promise<DeliveryOutcome> {
    await this.jobs.markStarted(batch.jobId, batch.batch, this.clock.now());
    try {
      const result = await this.indexer.indexBatch(batch, this.contextFor(batch));
      await this.jobs.recordBatch(batch.jobId, result);
      return 'ack';
    } catch (error) {
      const permanent = error instanceof AppError && error.code === 'VALIDATION_FAILED';
      if (!permanent && attempt < this.options.maxAttempts) {
        this.log?.warn({ jobId: batch.jobId, batch: batch.batch, attempt, err: error }, 'ingest batch failed; will retry');
        return 'retry';
      }
      await this.jobs.recordBatch(batch.jobId, this.failedResult(batch, error));
      return 'ack';
    }
  }

  private contextFor(batch: IngestBatch): RequestContext {
    return {
      requestId: `${batch.jobId}/${batch.batch}`,
      tenant: batch.tenant,
      deadline: this.clock.now() + this.options.batchTimeoutMs,
      variant: { ...defaultVariant, index: batch.index },
    };
  }

  private failedResult(batch: IngestBatch, error: unknown): BatchResult {
    const e = error instanceof AppError ? error : new AppError('INTERNAL', error instanceof Error ? error.message : String(error));
    return {
      batch: batch.batch,
      indexed: 0,
      unchanged: 0,
      failed: batch.documents.length,
      chunks: 0,
      errors: batch.documents.map((d) => ({ docId: d.id, code: e.code, message: e.message })),
      finishedAt: this.clock.now(),
    };
  }
}
