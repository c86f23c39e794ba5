import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BatchResult } from '@ragops/contracts';
import type { JobRecord, JobStore } from '@ragops/rag';

export function jobRecord(jobId: string, batches = 3): JobRecord {
  return { jobId, tenant: 'acme', index: 'docs', createdAt: 1_700_000_000_000, totalDocuments: batches * 32, batches };
}

export function batchResult(batch: number, indexed = 32): BatchResult {
  return { batch, indexed, unchanged: 0, failed: 0, chunks: indexed * 2, errors: [], finishedAt: 1_700_000_001_000 + batch };
}

/** The JobStore port's contract; the memory and NATS KV stores both run it. */
export function describeJobStore(name: string, open: () => Promise<{ store: JobStore; dispose(): Promise<void> }>): void {
  describe(`${name}: JobStore behaviour`, () => {
    let store: JobStore;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ store, dispose } = await open());
    });
    afterAll(async () => {
      await dispose?.();
    });

    it('returns a created job with nothing started and no results', async () => {
      await store.create(jobRecord('fresh'));
      expect(await store.get('fresh')).toEqual({ job: jobRecord('fresh'), started: [], results: [] });
    });

    it('records started batches and per-batch results in batch order', async () => {
      await store.create(jobRecord('progress'));
      await store.markStarted('progress', 2, 10);
      await store.markStarted('progress', 0, 11);
      await store.recordBatch('progress', batchResult(2));
      await store.recordBatch('progress', batchResult(0, 5));
      expect(await store.get('progress')).toEqual({
        job: jobRecord('progress'),
        started: [0, 2],
        results: [batchResult(0, 5), batchResult(2)],
      });
    });

    it('overwrites the result of a redelivered batch instead of counting it twice', async () => {
      await store.create(jobRecord('redelivered'));
      await store.recordBatch('redelivered', batchResult(1, 10));
      await store.recordBatch('redelivered', batchResult(1, 12));
      await store.markStarted('redelivered', 1, 1);
      await store.markStarted('redelivered', 1, 2);
      const view = await store.get('redelivered');
      expect(view?.results).toEqual([batchResult(1, 12)]);
      expect(view?.started).toEqual([1]);
    });

    it('keeps jobs apart even when one id is a prefix of another', async () => {
      await store.create(jobRecord('job1'));
      await store.create(jobRecord('job10'));
      await store.recordBatch('job10', batchResult(0));
      expect((await store.get('job1'))?.results).toEqual([]);
      expect((await store.get('job10'))?.results).toEqual([batchResult(0)]);
    });

    it('knows nothing of an unknown job, nor of one with results but no record', async () => {
      expect(await store.get('never-created')).toBeUndefined();
      await store.recordBatch('orphan', batchResult(0));
      expect(await store.get('orphan')).toBeUndefined();
    });

    it('rejects job ids that are not one safe key token', async () => {
      for (const bad of ['', 'a.b', 'a b', 'a*', 'a>', 'x'.repeat(129), 'ünï']) {
        await expect(store.create(jobRecord(bad))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
        await expect(store.get(bad)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      }
      await expect(store.markStarted('ok', -1, 0)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('returns copies: changing what get() returned changes nothing stored', async () => {
      await store.create(jobRecord('copies'));
      await store.recordBatch('copies', batchResult(0));
      const view = await store.get('copies');
      view!.job.batches = 99;
      view!.results[0]!.indexed = 0;
      const again = await store.get('copies');
      expect(again?.job.batches).toBe(3);
      expect(again?.results[0]?.indexed).toBe(32);
    });
  });
}
