import { AppError } from '@ragops/contracts';

const JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Job ids become tokens of NATS KV keys (`<jobId>.meta`) and JetStream message ids, where `.`, `*`, `>` and
 * whitespace have meaning; both job stores accept only ids that are one safe token.
 */
export function assertJobId(jobId: string): void {
  if (typeof jobId !== 'string' || !JOB_ID.test(jobId)) {
    throw new AppError('VALIDATION_FAILED', `job id must be 1-128 characters of [A-Za-z0-9_-], got ${JSON.stringify(jobId)}`, { jobId });
  }
}

export function assertBatchNumber(batch: number): void {
  if (!Number.isSafeInteger(batch) || batch < 0) {
    throw new AppError('VALIDATION_FAILED', `batch must be a non-negative integer, got ${batch}`, { batch });
  }
}
