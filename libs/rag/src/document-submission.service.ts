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
  /** Queue messages they were split into (each at most `Limits.ingestBatchSize` documents and `Limits.maxBatchBytes`). */
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
    const groups = packBatches(documents);
    const total = groups.length;
    const batches: IngestBatch[] = groups.map((group, b) => ({ jobId, batch: b, batches: total, tenant: ctx.tenant, index, documents: group }));

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
 * Splits documents, in order, into queue messages of at most `Limits.ingestBatchSize` documents and
 * `Limits.maxBatchBytes` serialized bytes (a message over NATS' max_payload would be refused). A document too
 * large for a message on its own is PAYLOAD_TOO_LARGE, raised before anything is recorded or enqueued.
 */
export function packBatches(documents: readonly SourceDocument[]): SourceDocument[][] {
  const groups: SourceDocument[][] = [];
  let current: SourceDocument[] = [];
  let bytes = 0;
  for (const doc of documents) {
    const size = utf8Length(JSON.stringify(doc)) + 1;
    if (size > Limits.maxBatchBytes) {
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        `document ${doc.id} is ${size} bytes as JSON; the limit per document is ${Limits.maxBatchBytes} bytes — split it into several documents`,
        { docId: doc.id, bytes: size, max: Limits.maxBatchBytes },
      );
    }
    if (current.length === Limits.ingestBatchSize || bytes + size > Limits.maxBatchBytes) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(doc);
    bytes += size;
  }
  if (current.length) groups.push(current);
  return groups;
}

/** UTF-8 byte length without encoding (lone surrogates count as the 3-byte replacement character). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
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
