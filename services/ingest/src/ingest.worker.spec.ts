import { describe, expect, it } from '@jest/globals';
import { HealthReply, type IngestBatch, Subjects } from '@ragops/contracts';
import { MemoryJobQueue } from '@ragops/messaging';
import type { IngestJobRunner } from '@ragops/rag';
import { startServiceForTest, testContext } from '@ragops/testing';
import { IngestModule } from './ingest.module.js';

const batch = (n: number): IngestBatch => ({ jobId: 'job-1', batch: n, batches: 3, tenant: 'acme', index: 'default', documents: [{ id: `d${n}`, text: 'x' }] });

describe('ingest worker (queue ↔ runner for the application lifetime)', () => {
  it('consumes queued batches through the runner while the app runs, and drains on shutdown', async () => {
    const queue = new MemoryJobQueue({ concurrency: 1 });
    const handled: number[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const runner = {
      handle: async (b: IngestBatch) => {
        if (b.batch === 2) await blocked; // in flight when shutdown starts
        handled.push(b.batch);
        return 'ack' as const;
      },
    } as unknown as IngestJobRunner;
    const svc = await startServiceForTest(IngestModule.register({ queue, runner }), 'ingest');

    await queue.enqueue([batch(0), batch(1), batch(2)]);
    const until = Date.now() + 5_000;
    while (handled.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(handled).toEqual([0, 1]);

    const health = await svc.rpc.request(Subjects.health('ingest'), { ctx: testContext({ now: 1_000_000 }), data: {} }, HealthReply);
    expect(health).toMatchObject({ service: 'ingest', ok: true, details: { pending: 1 } });

    const closing = svc.close();
    release();
    await closing;
    expect(handled).toEqual([0, 1, 2]); // the in-flight batch finished before the app stopped
    expect(await queue.pending()).toBe(0);
    queue.close();
  });
});
