import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  AppError,
  type BatchResult,
  defaultVariant,
  type IngestBatch,
  Limits,
  ManualClock,
  type RequestContext,
  type SourceDocument,
} from '@ragops/contracts';
import { DocumentSubmissionService } from './document-submission.service.js';
import type { JobQueue } from './ports/job-queue.port.js';
import type { JobRecord, JobStore } from './ports/job-store.port.js';

const ctx: RequestContext = {
  requestId: 'r1',
  tenant: 'acme',
  deadline: 60_000,
  variant: { ...defaultVariant, index: 'v2' },
};

const docs = (n: number, prefix = 'd'): SourceDocument[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, text: `text ${i}` }));

/** Records every call in one shared log, so tests can assert order across the two ports. */
function fakes(opts: { enqueueFails?: unknown } = {}) {
  const log: string[] = [];
  const enqueued: IngestBatch[][] = [];
  const jobs = new Map<string, { job: JobRecord; started: number[]; results: BatchResult[] }>();
  const queue: JobQueue = {
    async enqueue(batches) {
      log.push(`enqueue:${batches.length}`);
      if (opts.enqueueFails !== undefined) throw opts.enqueueFails;
      enqueued.push(batches);
    },
    consume: () => Promise.reject(new Error('unexpected call: JobQueue.consume')),
    pending: () => Promise.reject(new Error('unexpected call: JobQueue.pending')),
  };
  const store: JobStore = {
    async create(job) {
      log.push(`create:${job.jobId}`);
      jobs.set(job.jobId, { job, started: [], results: [] });
    },
    markStarted: () => Promise.reject(new Error('unexpected call: JobStore.markStarted')),
    recordBatch: () => Promise.reject(new Error('unexpected call: JobStore.recordBatch')),
    async get(jobId) {
      log.push(`get:${jobId}`);
      return jobs.get(jobId);
    },
  };
  let n = 0;
  const svc = new DocumentSubmissionService(queue, store, new ManualClock(5_000), () => `job-${++n}`);
  return { svc, log, enqueued, jobs };
}

async function errorOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

describe('DocumentSubmissionService.submit', () => {
  it('splits 70 documents into batches of 32, 32, 6 stamped with tenant and index', async () => {
    const { svc, enqueued, jobs } = fakes();
    const input = docs(70);
    expect(await svc.submit(input, ctx)).toEqual({ jobId: 'job-1', documents: 70, batches: 3 });

    expect(enqueued).toHaveLength(1);
    const batches = enqueued[0];
    expect(batches.map((b) => b.documents.length)).toEqual([32, 32, 6]);
    expect(batches.map((b) => b.batch)).toEqual([0, 1, 2]);
    for (const b of batches) {
      expect(b).toMatchObject({ jobId: 'job-1', batches: 3, tenant: 'acme', index: 'v2' });
    }
    expect(batches[2].documents[5].id).toBe('d69');
    expect(jobs.get('job-1')?.job).toEqual({ jobId: 'job-1', tenant: 'acme', index: 'v2', createdAt: 5_000, totalDocuments: 70, batches: 3 });
  });

  it('creates the job record before enqueueing', async () => {
    const { svc, log } = fakes();
    await svc.submit(docs(1), ctx);
    expect(log).toEqual(['create:job-1', 'enqueue:1']);
  });

  it('puts no trace context in the batch: it travels in the queue message headers', async () => {
    const { svc, enqueued } = fakes();
    await svc.submit(docs(1), ctx);
    expect(Object.keys(enqueued[0][0]).sort()).toEqual(['batch', 'batches', 'documents', 'index', 'jobId', 'tenant']);
  });

  it('rejects duplicate ids, naming them, without touching the ports', async () => {
    const { svc, log } = fakes();
    const input = [...docs(3), { id: 'd1', text: 'again' }, { id: 'd2', text: 'again' }, { id: 'd1', text: 'thrice' }];
    const err = await errorOf(svc.submit(input, ctx));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toContain('d1, d2');
    expect(err.details).toEqual({ duplicates: ['d1', 'd2'], count: 2 });
    expect(log).toEqual([]);
  });

  it(`rejects more than ${Limits.maxDocumentsPerRequest} documents as TOO_MANY_DOCUMENTS`, async () => {
    const { svc, log } = fakes();
    const err = await errorOf(svc.submit(docs(Limits.maxDocumentsPerRequest + 1), ctx));
    expect(err.code).toBe('TOO_MANY_DOCUMENTS');
    expect(err.details).toEqual({ documents: 1001, max: 1000 });
    expect(log).toEqual([]);
  });

  it('accepts exactly the maximum', async () => {
    const { svc } = fakes();
    expect(await svc.submit(docs(1000), ctx)).toEqual({ jobId: 'job-1', documents: 1000, batches: 32 }); // ceil(1000/32)
  });

  it('also splits by serialized size, so no queue message exceeds NATS max_payload', async () => {
    const { svc, enqueued } = fakes();
    const big = 'x'.repeat(300_000); // three of these exceed Limits.maxBatchBytes (768 KiB)
    const input = Array.from({ length: 5 }, (_, i) => ({ id: `big-${i}`, text: big }));
    expect(await svc.submit(input, ctx)).toMatchObject({ documents: 5, batches: 3 });
    expect(enqueued[0].map((b) => b.documents.length)).toEqual([2, 2, 1]);
  });

  it('refuses a document too large for one message as PAYLOAD_TOO_LARGE, naming it, before recording anything', async () => {
    const { svc, log } = fakes();
    const err = await errorOf(svc.submit([{ id: 'ok', text: 'fine' }, { id: 'huge', text: '\u4e2d'.repeat(300_000) }], ctx));
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(err.message).toMatch(/document huge is 900\d+ bytes/);
    expect(log).toEqual([]);
  });

  it('rejects an empty request', async () => {
    const { svc, log } = fakes();
    expect((await errorOf(svc.submit([], ctx))).code).toBe('VALIDATION_FAILED');
    expect(log).toEqual([]);
  });

  it('fails DEADLINE_EXCEEDED before creating anything when the deadline passed', async () => {
    const { svc, log } = fakes();
    expect((await errorOf(svc.submit(docs(1), { ...ctx, deadline: 5_000 }))).code).toBe('DEADLINE_EXCEEDED');
    expect(log).toEqual([]);
  });

  it('propagates an enqueue AppError; the record stays and reads queued (never started)', async () => {
    const { svc, log } = fakes({ enqueueFails: new AppError('UNAVAILABLE', 'JetStream down') });
    const err = await errorOf(svc.submit(docs(40), ctx));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toBe('JetStream down');
    expect(log).toEqual(['create:job-1', 'enqueue:2']);
    const view = await svc.getJob('job-1', ctx);
    expect(view.status).toBe('queued');
    expect(view.batches).toEqual({ total: 2, done: 0 });
  });

  it('wraps a raw enqueue failure as UNAVAILABLE, keeping the cause', async () => {
    const boom = new Error('socket closed');
    const { svc } = fakes({ enqueueFails: boom });
    const err = await errorOf(svc.submit(docs(1), ctx));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.cause).toBe(boom);
    expect(err.details).toEqual({ jobId: 'job-1' });
  });

  it('batches preserve every document once, in order, for any count (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: Limits.maxDocumentsPerRequest }), async (n) => {
        const { svc, enqueued } = fakes();
        const input = docs(n);
        const receipt = await svc.submit(input, ctx);
        const batches = enqueued[0];
        expect(receipt.batches).toBe(Math.ceil(n / Limits.ingestBatchSize));
        expect(batches).toHaveLength(receipt.batches);
        expect(batches.flatMap((b) => b.documents)).toEqual(input);
        expect(batches.every((b, i) => b.batch === i && b.documents.length >= 1 && b.documents.length <= Limits.ingestBatchSize)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});

describe('DocumentSubmissionService.getJob', () => {
  it("returns the tenant's own job as a view", async () => {
    const { svc } = fakes();
    await svc.submit(docs(3), ctx);
    expect(await svc.getJob('job-1', ctx)).toMatchObject({ jobId: 'job-1', status: 'queued', tenant: 'acme', index: 'v2' });
  });

  it('is JOB_NOT_FOUND for an unknown id', async () => {
    const { svc } = fakes();
    expect((await errorOf(svc.getJob('nope', ctx))).code).toBe('JOB_NOT_FOUND');
  });

  it("is JOB_NOT_FOUND for another tenant's job, with the same message shape as an unknown id", async () => {
    const { svc } = fakes();
    await svc.submit(docs(3), ctx);
    const other = await errorOf(svc.getJob('job-1', { ...ctx, tenant: 'globex' }));
    const unknown = await errorOf(svc.getJob('job-9', { ...ctx, tenant: 'globex' }));
    expect(other.code).toBe('JOB_NOT_FOUND');
    expect(other.message.replace('job-1', 'X')).toBe(unknown.message.replace('job-9', 'X'));
  });
});
