import { describe, expect, it } from '@jest/globals';
import { AppError, type BatchResult, type IngestBatch, ManualClock, type RequestContext } from '@ragops/contracts';
import type { Indexer } from './indexer.service.js';
import { IngestJobRunner } from './ingest-job.runner.js';
import type { JobRecord, JobStore } from './ports/job-store.port.js';

const batch: IngestBatch = {
  jobId: 'job-1',
  batch: 2,
  batches: 3,
  tenant: 'acme',
  index: 'v2',
  documents: [{ id: 'a', text: 'x' }, { id: 'b', text: 'y' }],
};

function setup(indexBatch: (b: IngestBatch, ctx: RequestContext) => Promise<BatchResult>) {
  const log: string[] = [];
  const results: BatchResult[] = [];
  const contexts: RequestContext[] = [];
  const jobs: JobStore = {
    create: (_j: JobRecord) => Promise.reject(new Error('unexpected create')),
    markStarted: async (jobId, n, at) => void log.push(`started:${jobId}:${n}:${at}`),
    recordBatch: async (_jobId, r) => void results.push(r),
    get: () => Promise.reject(new Error('unexpected get')),
  };
  const indexer = {
    indexBatch: (b: IngestBatch, ctx: RequestContext) => {
      contexts.push(ctx);
      return indexBatch(b, ctx);
    },
  } as unknown as Indexer;
  const clock = new ManualClock(1_000);
  const runner = new IngestJobRunner(indexer, jobs, clock, { batchTimeoutMs: 5_000, maxAttempts: 3 });
  return { runner, log, results, contexts };
}

const ok: BatchResult = { batch: 2, indexed: 2, unchanged: 0, failed: 0, chunks: 4, errors: [], finishedAt: 1_000 };

describe('IngestJobRunner', () => {
  it('marks the batch started, indexes it under a context derived from the batch, records the result and acks', async () => {
    const { runner, log, results, contexts } = setup(async () => ok);
    expect(await runner.handle(batch, 1)).toBe('ack');
    expect(log).toEqual(['started:job-1:2:1000']);
    expect(results).toEqual([ok]);
    expect(contexts[0]).toMatchObject({ requestId: 'job-1/2', tenant: 'acme', deadline: 6_000 });
    expect(contexts[0].variant.index).toBe('v2');
  });

  it('asks for redelivery on a transient failure, recording nothing', async () => {
    const { runner, results } = setup(() => Promise.reject(new AppError('UNAVAILABLE', 'store down')));
    expect(await runner.handle(batch, 1)).toBe('retry');
    expect(results).toEqual([]);
  });

  it('on the last attempt records every document as failed and acks (no poison loop)', async () => {
    const { runner, results } = setup(() => Promise.reject(new AppError('UNAVAILABLE', 'store down')));
    expect(await runner.handle(batch, 3)).toBe('ack');
    expect(results[0]).toMatchObject({ batch: 2, indexed: 0, failed: 2 });
    expect(results[0].errors).toEqual([
      { docId: 'a', code: 'UNAVAILABLE', message: 'store down' },
      { docId: 'b', code: 'UNAVAILABLE', message: 'store down' },
    ]);
  });

  it('does not retry a permanent (validation) failure', async () => {
    const { runner, results } = setup(() => Promise.reject(new AppError('VALIDATION_FAILED', 'index has dimension 384, got 256')));
    expect(await runner.handle(batch, 1)).toBe('ack');
    expect(results[0].errors[0]).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('an unexpected error becomes INTERNAL in the recorded result', async () => {
    const { runner, results } = setup(() => Promise.reject(new TypeError('boom')));
    expect(await runner.handle(batch, 3)).toBe('ack');
    expect(results[0].errors[0]).toEqual({ docId: 'a', code: 'INTERNAL', message: 'boom' });
  });
});
