import type { BatchResult, DocumentError, JobStatus, JobView } from '@ragops/contracts';
import type { JobRecord } from './ports/job-store.port.js';

/**
 * A job view lists at most this many per-document errors, in batch order. The `documents.failed` count stays
 * exact, so `failed > errors.length` tells a client the list was cut.
 */
export const MAX_JOB_ERRORS = 100;

/**
 * Folds a job's stored facts into the view clients poll. Pure: every field comes from the record, the started
 * batch numbers and the per-batch results, so the same facts always give the same view.
 *
 * - queued: no batch started or finished. A job whose enqueue failed stays here for good — it never started.
 * - running: some batch started or finished, not all finished.
 * - done: every batch has a result and at least one document did not fail.
 * - failed: every batch has a result and every document failed.
 *
 * Results are keyed by batch number (the last one for a batch wins, as in the store); results for batch
 * numbers outside the job are ignored.
 */
export function summarizeJob(record: JobRecord, started: readonly number[], results: readonly BatchResult[]): JobView {
  const byBatch = new Map<number, BatchResult>();
  for (const r of results) {
    if (Number.isInteger(r.batch) && r.batch >= 0 && r.batch < record.batches) byBatch.set(r.batch, r);
  }
  const ordered = [...byBatch.values()].sort((a, b) => a.batch - b.batch);

  let indexed = 0;
  let unchanged = 0;
  let failed = 0;
  let chunks = 0;
  let updatedAt = record.createdAt;
  const errors: DocumentError[] = [];
  for (const r of ordered) {
    indexed += r.indexed;
    unchanged += r.unchanged;
    failed += r.failed;
    chunks += r.chunks;
    if (r.finishedAt > updatedAt) updatedAt = r.finishedAt;
    for (const e of r.errors) {
      if (errors.length >= MAX_JOB_ERRORS) break;
      errors.push(e);
    }
  }

  const done = ordered.length;
  let status: JobStatus;
  if (done === record.batches) {
    status = record.totalDocuments > 0 && failed >= record.totalDocuments ? 'failed' : 'done';
  } else if (done > 0 || started.length > 0) {
    status = 'running';
  } else {
    status = 'queued';
  }

  return {
    jobId: record.jobId,
    status,
    tenant: record.tenant,
    index: record.index,
    createdAt: record.createdAt,
    updatedAt,
    batches: { total: record.batches, done },
    documents: { total: record.totalDocuments, indexed, unchanged, failed },
    chunks,
    errors,
  };
}
