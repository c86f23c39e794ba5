import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@ragops/contracts';
import { describeJobQueue, ingestBatch, RecordingLogger, waitFor } from '../test/job-queue.behaviour.js';
import { MemoryJobQueue } from './memory.queue.js';

describeJobQueue('MemoryJobQueue', async (settings) => {
  const queue = new MemoryJobQueue(settings);
  return { queue, dispose: async () => queue.close() };
});

describe('MemoryJobQueue', () => {
  it('accepts a batch id again once the duplicate window has passed', async () => {
    const clock = new ManualClock(1_000);
    const queue = new MemoryJobQueue({ clock, duplicateWindowMs: 60_000, logger: new RecordingLogger() });
    await queue.enqueue([ingestBatch('job', 0)]);
    clock.advance(59_999);
    await queue.enqueue([ingestBatch('job', 0)]);
    expect(await queue.pending()).toBe(1);
    clock.advance(1);
    await queue.enqueue([ingestBatch('job', 0)]);
    expect(await queue.pending()).toBe(2);
  });

  it('shares messages between two consumers without delivering one twice', async () => {
    const queue = new MemoryJobQueue({ concurrency: 1, logger: new RecordingLogger() });
    const seen: string[] = [];
    const handler = (who: string) => async (b: { batch: number }) => {
      seen.push(`${who}:${b.batch}`);
      await new Promise((r) => setTimeout(r, 5));
      return 'ack' as const;
    };
    const a = await queue.consume(handler('a'));
    const b = await queue.consume(handler('b'));
    await queue.enqueue([0, 1, 2, 3, 4, 5].map((n) => ingestBatch('shared', n, 6)));
    await waitFor(() => seen.length === 6);
    await Promise.all([a.stop(), b.stop()]);
    expect(seen.map((s) => s.split(':')[1]).sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(new Set(seen.map((s) => s.split(':')[0]))).toEqual(new Set(['a', 'b']));
  });

  it('keeps a message retried after the last consumer stopped for the next one', async () => {
    const queue = new MemoryJobQueue({ retryDelayMs: 10, logger: new RecordingLogger() });
    const first = await queue.consume(async () => 'retry');
    await queue.enqueue([ingestBatch('later', 0)]);
    await first.stop();
    await waitFor(async () => (await queue.pending()) === 1);
    const attempts: number[] = [];
    const second = await queue.consume(async (_b, attempt) => {
      attempts.push(attempt);
      return 'ack';
    });
    await waitFor(async () => (await queue.pending()) === 0);
    await second.stop();
    expect(attempts).toEqual([2]);
  });
});
