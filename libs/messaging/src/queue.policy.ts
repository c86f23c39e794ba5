import type { IngestBatch } from '@ragops/contracts';

/** JetStream msgID of a batch: a retried enqueue of the same job publishes the same ids, which the stream drops. */
export function messageId(batch: Pick<IngestBatch, 'jobId' | 'batch'>): string {
  return `${batch.jobId}:${batch.batch}`;
}

const MAX_RETRY_DELAY_MS = 30_000;

/** Redelivery delay after the given (1-based) attempt failed: base, 2×base, 4×base … capped at 30 s. */
export function retryDelay(baseMs: number, attempt: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 20)));
}
