import {
  AppError,
  type Clock,
  type IngestBatch,
  isAppError,
  type JobView,
  Limits,
  type RequestContext,
  type SourceDocument,
} from '@ragops/contracts';
import { summarizeJob } from './job-view.js';
import type { JobQueue } from './ports/job-queue.port.js';
import type { JobRecord, JobStore } from './ports/job-store.port.js';

export interface SubmissionReceipt {
  jobId: string;
  /** Documents accepted into the job. */
  documents: number;
  /** Queue messages they were split into (each at most `Limits.ingestBatchSize` documents). */
  batches: number;
}

/** Duplicate ids named in an error message; the details carry up to 100. */
const NAMED_IN_MESSAGE = 10;
const NAMED_IN_DETAILS = 100;

/**
 * Accepts documents for asynchronous ingestion: validates the request as a whole (each document was already
 * validated against its schema), records a job, and enqueues the job's batches.
 *
 * Order matters: the job record is created BEFORE the batches are enqueued, so a client that polls
 * `GET /v1/jobs/:id` right after the 202 always finds it, even if a consumer has not picked anything up yet.
 * If enqueueing then fails, the error propagates (UNAVAILABLE) and the client gets no job id; the record stays
 * behind and its view reads `queued` with no batch started — it never started. Nothing to clean up: re-sending
 * the documents creates a new job, and indexing is idempotent by document id, so any batch that did reach the
 * queue before the failure only re-indexes the same documents.
 */
export class DocumentSubmissionService {
  constructor(
    private readonly queue: JobQueue,
    private readonly jobs: JobStore,
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {}

  async submit(documents: readonly SourceDocument[], ctx: RequestContext): Promise<SubmissionReceipt> {
    checkRequest(documents);
    const now = this.clock.now();
    if (now >= ctx.deadline) {
      throw new AppError('DEADLINE_EXCEEDED', 'request deadline passed before the job was created; retry', {
        deadline: ctx.deadline,
      });
    }

    const jobId = this.newId();
    const index = ctx.variant.index;
    const size = Limits.ingestBatchSize;
    const total = Math.ceil(documents.length / size);
    const batches: IngestBatch[] = new Array(total);
    for (let b = 0; b < total; b++) {
      const batch: IngestBatch = {
        jobId,
        batch: b,
        batches: total,
        tenant: ctx.tenant,
        index,
        documents: documents.slice(b * size, (b + 1) * size),
      };
      if (ctx.trace) batch.trace = ctx.trace;
      batches[b] = batch;
    }

    const record: JobRecord = {
      jobId,
      tenant: ctx.tenant,
      index,
      createdAt: now,
      totalDocuments: documents.length,
      batches: total,
    };
    await this.jobs.create(record);
    try {
      await this.queue.enqueue(batches);
    } catch (e) {
      if (isAppError(e)) throw e;
      throw new AppError('UNAVAILABLE', 'the ingest queue did not accept the documents; retry the request', { jobId }, {
        cause: e,
      });
    }
    return { jobId, documents: documents.length, batches: total };
  }

  /** A job's progress. Another tenant's job is JOB_NOT_FOUND too, so ids don't reveal that a job exists. */
  async getJob(jobId: string, ctx: RequestContext): Promise<JobView> {
    const found = await this.jobs.get(jobId);
    if (!found || found.job.tenant !== ctx.tenant) {
      throw new AppError('JOB_NOT_FOUND', `no job ${jobId} for this tenant; use the jobId returned by POST /v1/documents`, {
        jobId,
      });
    }
    return summarizeJob(found.job, found.started, found.results);
  }
}

/**
 * TOO_MANY_DOCUMENTS above `Limits.maxDocumentsPerRequest`. Exported so an edge can refuse a huge request by its
 * count before validating every document in it.
 */
export function assertDocumentCount(count: number): void {
  if (count > Limits.maxDocumentsPerRequest) {
    throw new AppError(
      'TOO_MANY_DOCUMENTS',
      `${count} documents in one request; send at most ${Limits.maxDocumentsPerRequest} per request`,
      { documents: count, max: Limits.maxDocumentsPerRequest },
    );
  }
}

function checkRequest(documents: readonly SourceDocument[]): void {
  if (documents.length === 0) {
    throw new AppError('VALIDATION_FAILED', 'documents must contain at least one document');
  }
  assertDocumentCount(documents.length);
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const d of documents) {
    if (seen.has(d.id)) duplicates.add(d.id);
    else seen.add(d.id);
  }
  if (duplicates.size > 0) {
    const ids = [...duplicates];
    const named = ids.slice(0, NAMED_IN_MESSAGE).join(', ');
    const more = ids.length > NAMED_IN_MESSAGE ? ` (+${ids.length - NAMED_IN_MESSAGE} more)` : '';
    throw new AppError(
      'VALIDATION_FAILED',
      `duplicate document ids in one request: ${named}${more}; send each id once (a later request with the same id replaces the document)`,
      { duplicates: ids.slice(0, NAMED_IN_DETAILS), count: ids.length },
    );
  }
}
