import { describe, expect, it } from '@jest/globals';
import type { BatchResult } from '@ragops/contracts';
import { MAX_JOB_ERRORS, summarizeJob } from './job-view.js';
import type { JobRecord } from './ports/job-store.port.js';

// 70 documents in batches of 32 → 3 batches (32, 32, 6).
const record: JobRecord = { jobId: 'job-1', tenant: 'acme', index: 'default', createdAt: 1000, totalDocuments: 70, batches: 3 };

function result(batch: number, over: Partial<BatchResult> = {}): BatchResult {
  return { batch, indexed: 0, unchanged: 0, failed: 0, chunks: 0, errors: [], finishedAt: 2000 + batch, ...over };
}

describe('summarizeJob', () => {
  it('is queued before any batch starts, with zero counts and updatedAt = createdAt', () => {
    expect(summarizeJob(record, [], [])).toEqual({
      jobId: 'job-1',
      status: 'queued',
      tenant: 'acme',
      index: 'default',
      createdAt: 1000,
      updatedAt: 1000,
      batches: { total: 3, done: 0 },
      documents: { total: 70, indexed: 0, unchanged: 0, failed: 0 },
      chunks: 0,
      errors: [],
    });
  });

  it('is running once a batch started, even before any result', () => {
    expect(summarizeJob(record, [1], []).status).toBe('running');
  });

  it('is running with some results and sums what is there', () => {
    const view = summarizeJob(record, [0, 1], [result(0, { indexed: 30, unchanged: 2, chunks: 90, finishedAt: 2500 })]);
    expect(view.status).toBe('running');
    expect(view.batches).toEqual({ total: 3, done: 1 });
    expect(view.documents).toEqual({ total: 70, indexed: 30, unchanged: 2, failed: 0 });
    expect(view.chunks).toBe(90);
    expect(view.updatedAt).toBe(2500);
  });

  it('is done when every batch has a result; counts summed, errors concatenated in batch order', () => {
    const e = (docId: string) => ({ docId, code: 'VALIDATION_FAILED', message: 'bad' });
    const view = summarizeJob(record, [0, 1, 2], [
      // Out of order on purpose: the view orders by batch.
      result(2, { indexed: 5, failed: 1, chunks: 7, errors: [e('c')], finishedAt: 2600 }),
      result(0, { indexed: 31, failed: 1, chunks: 40, errors: [e('a')], finishedAt: 2900 }),
      result(1, { indexed: 20, unchanged: 12, chunks: 25, finishedAt: 2700 }),
    ]);
    expect(view.status).toBe('done');
    expect(view.batches).toEqual({ total: 3, done: 3 });
    // 31+20+5 = 56 indexed, 12 unchanged, 1+1 = 2 failed; 56+12+2 = 70.
    expect(view.documents).toEqual({ total: 70, indexed: 56, unchanged: 12, failed: 2 });
    expect(view.chunks).toBe(72); // 40 + 25 + 7
    expect(view.errors.map((x) => x.docId)).toEqual(['a', 'c']);
    expect(view.updatedAt).toBe(2900);
  });

  it('is failed when every batch finished and every document failed', () => {
    const view = summarizeJob(record, [0, 1, 2], [result(0, { failed: 32 }), result(1, { failed: 32 }), result(2, { failed: 6 })]);
    expect(view.status).toBe('failed');
    expect(view.documents.failed).toBe(70);
  });

  it('is done (not failed) when all but one document failed', () => {
    const view = summarizeJob(record, [], [result(0, { failed: 32 }), result(1, { failed: 31, unchanged: 1 }), result(2, { failed: 6 })]);
    expect(view.status).toBe('done');
  });

  it('counts a redelivered batch once (the last result wins) and ignores batches outside the job', () => {
    const view = summarizeJob(record, [0], [result(0, { indexed: 3 }), result(0, { indexed: 32 }), result(7, { indexed: 999 })]);
    expect(view.batches.done).toBe(1);
    expect(view.documents.indexed).toBe(32);
    expect(view.status).toBe('running');
  });

  it(`caps errors at ${MAX_JOB_ERRORS} while the failed count stays exact`, () => {
    const errs = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ docId: `${prefix}${i}`, code: 'X', message: 'm' }));
    const big: JobRecord = { ...record, totalDocuments: 128, batches: 4 };
    const view = summarizeJob(big, [], [0, 1, 2, 3].map((b) => result(b, { failed: 32, errors: errs(`b${b}-`, 32) })));
    expect(view.documents.failed).toBe(128);
    expect(view.errors).toHaveLength(100);
    expect(view.errors[0].docId).toBe('b0-0');
    expect(view.errors[99].docId).toBe('b3-3'); // 3 full batches (96) + 4 from the last
    expect(view.status).toBe('failed');
  });
});
